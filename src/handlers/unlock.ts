// `unlock [env]`: lift a deploy freeze, said on the service's channels.
import { DeployStore } from '../deploy/store.js';
import { UsageError } from '../core/errors.js';
import { directoryUser } from '../deploy/engine.js';
import { announcements } from '../deploy/format.js';
import { freezeArgs } from '../deploy/freeze.js';
import { clock } from '../deploy/time.js';
import { defineVerb } from './verb.js';

export const unlock = defineVerb({
  verb: 'unlock',
  scope: 'service',
  mutating: true,
  environment: 'none',
  usage: '<service> unlock [env]',
  summary: 'lift a deploy freeze set with lock',
  parse({ command, registry }) {
    const { environments, reason } = freezeArgs(registry, command);
    if (reason) throw new UsageError(`${command.service} unlock [env]: unknown environment or extra words "${reason}"`);
    return { service: command.service, environments };
  },
  async run(ctx, { service, environments }, data) {
    const who = await directoryUser(ctx.access, data.requester);
    const store = new DeployStore(ctx.scope);
    const lifted: string[] = [];
    for (const env of environments) {
      const was = await store.unfreeze(service, env);
      if (was) lifted.push(`${env} (locked by ${was.user} since ${clock(was.since)}: ${was.reason})`);
    }
    if (!lifted.length) {
      const line = `${service} ${environments.join(', ')}: not locked, nothing to lift`;
      return { ok: true, summary: line, lines: [line] };
    }
    const line = `${service}: deploys unlocked by ${who.user}: ${lifted.join('; ')}`;
    await Promise.all(announcements(ctx.config, service, [line], data.replyTo).map((m) => ctx.post(m)));
    return { ok: true, summary: line, lines: [line] };
  },
});
