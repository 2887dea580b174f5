// `lock [env] <reason>` / `unlock [env]`: a deploy freeze, stored in Redis, announced on the service's channels.
import { UsageError } from '../core/errors.js';
import { directoryUser } from '../deploy/engine.js';
import { announcements, typed } from '../deploy/format.js';
import { freezeArgs } from '../deploy/freeze.js';
import { clock } from '../deploy/time.js';
import { deployStore } from './deploy.js';
import type { Processor } from './types.js';

export const lockProcessor: Processor = async (data, ctx) => {
  const { service } = data.command;
  const { environments, reason } = freezeArgs(ctx.registry, data.command);
  if (!reason) throw new UsageError(`say why: ${service} lock [env] <reason>`);
  const who = await directoryUser(ctx.access, data.requester);
  const store = deployStore(ctx);
  const now = Date.now();
  for (const env of environments) await store.freeze(service, env, { user: who.user, nick: data.requester.nick, reason, since: now });
  const envs = environments.join(', ');
  const line = `${service} ${envs}: deploys locked by ${who.user}: ${reason} (lift with ${typed(data.replyTo.network, `${service} unlock${environments.length === 1 ? ` ${environments[0]}` : ''}`)})`;
  await Promise.all(announcements(ctx.config, service, [line], data.replyTo).map((m) => ctx.post(m)));
  return { ok: true, summary: line, lines: [line] };
};

export const unlockProcessor: Processor = async (data, ctx) => {
  const { service } = data.command;
  const { environments } = freezeArgs(ctx.registry, data.command);
  const who = await directoryUser(ctx.access, data.requester);
  const store = deployStore(ctx);
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
};
