// The worker's side of a verb: look the job's verb up, check the permission again with the same spec
// (groups may have changed since the gateway took it), and run it with the arguments it parsed.
import { UserError } from '../core/errors.js';
import type { JobData } from '../core/types.js';
import type { JobRunner } from '../jobs/worker.js';
import { findVerb, type AnyVerb } from './index.js';
import { requestSchedule, runScheduled } from './schedule-change.js';
import type { RunContext } from './verb.js';

export type RunBase = Omit<RunContext, 'jobId' | 'post' | 'enqueue' | 'log'>;

const scopeOf = (data: JobData) => (data.command.service ? 'service' : 'global');

export function verbRunner(list: readonly AnyVerb[], base: RunBase): JobRunner {
  return {
    async run(data, host) {
      // a request to schedule a change is a job of its own kind; the change's verb is the command's
      const verb = findVerb(list, data.schedule ? data.command.verb : data.kind, scopeOf(data));
      if (!verb?.run) throw new UserError(`no verb "${data.kind}" here to run this job`);
      if ((data.scheduled || data.schedule) && !verb.schedulable) throw new UserError(`${data.kind} cannot be scheduled`);
      // its time came: checked again (and refusals announced) by the scheduling mechanism
      if (data.scheduled) return runScheduled({ ...base, ...host }, verb, data);
      if (verb.mutating) {
        const decision = await base.access.authorize(data.requester, data.command, verb, 'worker');
        if (!decision.allowed) throw decision.error ?? new UserError(decision.reason);
      }
      if (data.schedule) return requestSchedule({ ...base, ...host }, data);
      return verb.run({ ...base, ...host }, data.args, data);
    },
    async interrupted(data, host, reason) {
      const verb = findVerb(list, data.kind, scopeOf(data));
      if (!verb?.interrupted) return undefined;
      const { kube: _k, ...rest } = base;
      return verb.interrupted({ ...rest, log: host.log, post: host.post, enqueue: host.enqueue }, data, host.jobId, reason);
    },
  };
}
