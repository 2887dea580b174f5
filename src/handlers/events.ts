// `<service> events [env]`: the namespace's recent Warning events, grouped by object and reason,
// with how many and when last seen; the most recent first. The whole list is in the job's log.
import { toUserLine, UserError } from '../core/errors.js';
import { cmd, line, plain, type Line } from '../core/parts.js';
import type { MessageSection } from '../core/types.js';
import { knownSecrets, Redactor } from '../deploy/redact.js';
import { formatGroup, groupEvents } from '../kube/events.js';
import { defineVerb } from './verb.js';

/** Groups shown in chat per environment; the rest are in the job's log. */
const CHAT_GROUPS = 8;

export const events = defineVerb({
  verb: 'events',
  scope: 'service',
  mutating: false,
  anonymous: true,
  environment: 'optional',
  usage: '<service> events [env]',
  summary: "the namespace's recent Warning events, grouped by object and reason, with count and last seen",
  parse({ command }) {
    if (command.args.length) throw new UserError(`events takes only an environment: ${command.service} events [env]`);
    return { service: command.service, ...(command.environment ? { environment: command.environment } : {}) };
  },
  async run(ctx, { service, environment }: { service: string; environment?: string }) {
    const envs = environment ? [environment] : ctx.registry.environments(service);
    const redact = new Redactor(knownSecrets(ctx.config));
    const now = ctx.clock.now();
    const log: string[] = [];
    let more = false;
    const perEnv = await Promise.all(
      envs.map(async (name): Promise<MessageSection & { answered: boolean }> => {
        const title = `${service} ${name}`;
        try {
          const env = ctx.registry.environment(service, name);
          const groups = groupEvents(await ctx.kube.listEvents(env.context, env.namespace, { type: 'Warning' }), (s) => redact.line(s));
          if (!groups.length) return { title, ok: true, answered: true, lines: [`${title}: no Warning events in ${env.namespace}`] };
          const total = groups.reduce((n, g) => n + g.count, 0);
          const objects = new Set(groups.map((g) => g.object)).size;
          const head = `${title}: ${total} Warning event${total === 1 ? '' : 's'} about ${objects} object${objects === 1 ? '' : 's'}`;
          const shown = groups.slice(0, CHAT_GROUPS).map((g) => `  ${formatGroup(g, now)}`);
          if (groups.length > CHAT_GROUPS) {
            more = true;
            shown.push(`  +${groups.length - CHAT_GROUPS} more`);
          }
          log.push(head, ...groups.map((g) => `  ${formatGroup(g, now)}`));
          return { title, ok: false, answered: true, lines: [head, ...shown] };
        } catch (e) {
          if (!(e instanceof UserError)) ctx.log.error({ err: e, service, env: name }, 'events failed');
          return { title, ok: false, answered: false, lines: [`${title}: ${toUserLine(e)}`] };
        }
      }),
    );
    const lines: Line[] = perEnv.flatMap((s) => s.lines);
    if (more) lines.push(line`all of them: ${cmd(`job ${ctx.jobId} log`)}`);
    return {
      ok: perEnv.every((s) => s.answered),
      summary: plain(lines[0] ?? `${service}: no environments`),
      lines,
      sections: perEnv.map(({ answered: _a, ...s }) => s),
      ...(log.length ? { log: log.join('\n') } : {}),
    };
  },
});
