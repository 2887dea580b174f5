// `cancel <code|job>`: drop a deploy waiting for confirmation, or stop a running one.
import { UsageError, UserError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { NoSuchConfirmationError } from '../deploy/errors.js';
import { CODE_PATTERN, DeployStore } from '../deploy/store.js';
import { describePending, loadPending, mayActOn, settle } from './confirm.js';
import { SCHEDULED_ID } from '../deploy/scheduled.js';
import { cancelScheduled } from './schedule-change.js';
import { defineVerb } from './verb.js';

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$/;

export const cancel = defineVerb({
  verb: 'cancel',
  scope: 'global',
  mutating: false, // checked in `run` against what is cancelled
  environment: 'none',
  usage: 'cancel <code|job|sched-N>',
  needs: 'any',
  summary: 'drop a deploy waiting for confirmation, stop a running one (helm rolls back), or drop a scheduled change (sched-N, see <service> scheduled)',
  parse({ command }) {
    const arg = command.args[0];
    if (!arg || command.args.length > 1 || !(CODE_PATTERN.test(arg.toLowerCase()) || JOB_ID.test(arg))) {
      throw new UsageError(`cancel <code|job>: a confirmation code or a job number${arg ? ` (got "${quoteBack(command.args.join(' '))}")` : ''}`);
    }
    return CODE_PATTERN.test(arg.toLowerCase()) ? { code: arg.toLowerCase() } : { job: arg };
  },
  async run(ctx, target: { code?: string; job?: string }, data) {
    const store = new DeployStore(ctx.scope);
    if (target.code) {
      const code = target.code;
      const p = await loadPending(ctx, code, 'cancel');
      const owner = p.requester.user ?? p.requester.nick;
      const by = await mayActOn(ctx, data.requester, p, data.command.requestId, 'cancel', owner);
      if (!(await store.claimPending(code))) throw new NoSuchConfirmationError(`confirmation ${code} was just taken by someone else (confirmed or cancelled)`);
      await settle(ctx, p, { outcome: 'cancelled' }, by);
      const text = `cancelled: the ${describePending(p)} asked by ${owner} will not run (code ${code})`;
      return { ok: true, summary: text, lines: [text] };
    }
    const r = await store.running(target.job!);
    // a scheduled change (`sched-3`) that has not started yet; once it runs, it is a running deploy like any other
    if (!r && SCHEDULED_ID.test(target.job!)) return cancelScheduled(ctx, target.job!, data);
    if (!r) throw new UserError(`job ${target.job} is not a running deploy (nothing to cancel)`);
    const who = await mayActOn(ctx, data.requester, r, data.command.requestId, 'cancel', r.user);
    await store.requestCancel(r.jobId, who.user ?? who.nick);
    const text = `cancelling job ${r.jobId} (${r.verb} of ${r.service} ${r.environment} by ${r.user}): stopping helmfile/helm (helm rolls back an --atomic upgrade); the job will say when it stopped`;
    return { ok: true, summary: text, lines: [text] };
  },
});
