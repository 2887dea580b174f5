// `lock [env] <reason>`: a deploy freeze, stored in Redis, announced on the service's channels.
import { DeployStore } from '../deploy/store.js';
import { UsageError } from '../core/errors.js';
import { cmd, line, plain } from '../core/parts.js';
import { directoryUser } from '../deploy/engine.js';
import { announcements } from '../deploy/format.js';
import { freezeArgs } from '../deploy/freeze.js';
import { defineVerb } from './verb.js';

export const lock = defineVerb({
  verb: 'lock',
  scope: 'service',
  mutating: true,
  // parsed here: `lock db migration` (every environment) reads as well as `lock production db migration`
  environment: 'none',
  usage: '<service> lock [env] <reason>',
  summary: 'freeze deploys (all environments, or one) until unlock; says who and why to anyone who tries',
  parse({ command, registry }) {
    const { environments, reason } = freezeArgs(registry, command);
    if (!reason) throw new UsageError(`say why: ${command.service} lock [env] <reason>`);
    return { service: command.service, environments, reason };
  },
  async run(ctx, { service, environments, reason }, data) {
    const who = await directoryUser(ctx.access, data.requester);
    const store = new DeployStore(ctx.scope);
    const now = Date.now();
    for (const env of environments) await store.freeze(service, env, { user: who.user, nick: data.requester.nick, reason, since: now });
    const lifting = cmd(`${service} unlock${environments.length === 1 ? ` ${environments[0]}` : ''}`);
    const l = line`${service} ${environments.join(', ')}: deploys locked by ${who.user}: ${reason} (lift with ${lifting})`;
    await Promise.all(announcements(ctx.config, service, [l], data.replyTo).map((m) => ctx.post(m)));
    return { ok: true, summary: plain(l), lines: [l] };
  },
});
