// `<service> events [env]`: the namespace's recent Warning events, grouped by object and reason,
// with how many and when last seen; the most recent first. The whole list is in the job's log.
import type { CoreV1Event } from '@kubernetes/client-node';
import { toUserLine, UserError } from '../core/errors.js';
import { cmd, line, plain, type Line } from '../core/parts.js';
import { clip } from '../core/sanitize.js';
import { shortAge } from '../core/time.js';
import type { MessageSection } from '../core/types.js';
import { knownSecrets, Redactor } from '../deploy/redact.js';
import { shortPodName } from '../kube/find-pod.js';
import { defineVerb } from './verb.js';

/** Groups shown in chat per environment; the rest are in the job's log. */
const CHAT_GROUPS = 8;

export interface EventGroup {
  object: string;
  reason: string;
  count: number;
  last: number;
  message: string;
}

const time = (v: unknown): number => (v ? new Date(v as string | Date).getTime() || 0 : 0);

/** When an event was last seen: its series, else lastTimestamp, else eventTime, else when it was made. */
export function lastSeen(e: CoreV1Event): number {
  return Math.max(time(e.series?.lastObservedTime), time(e.lastTimestamp), time(e.eventTime), time(e.metadata?.creationTimestamp));
}

/** Events grouped by object and reason, counts added up, the latest message kept; most recent first. */
export function groupEvents(events: CoreV1Event[], redact: (s: string) => string = (s) => s): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const e of events) {
    const io = e.involvedObject ?? {};
    const object = io.kind === 'Pod' || !io.kind ? shortPodName(io.name ?? '?') : `${io.kind.toLowerCase()}/${io.name ?? '?'}`;
    const reason = e.reason ?? 'Unknown';
    const key = `${object}\0${reason}`;
    const count = e.series?.count ?? e.count ?? 1;
    const last = lastSeen(e);
    // the kubelet's message repeats the pod's name, namespace and uid: the object is already named
    const message = clip(redact((e.message ?? '').replace(/ in pod \S+_\S+\([0-9a-f-]+\)\s*$/, '')), 200);
    const g = groups.get(key);
    if (!g) groups.set(key, { object, reason, count, last, message });
    else {
      g.count += count;
      if (last >= g.last) Object.assign(g, { last, message });
    }
  }
  return [...groups.values()].sort((a, b) => b.last - a.last || b.count - a.count || a.object.localeCompare(b.object));
}

export function formatGroup(g: EventGroup, now: number): string {
  return `${g.object}: ${g.reason}${g.count > 1 ? ` ×${g.count}` : ''}, last ${shortAge(Math.max(0, now - g.last))} ago${g.message ? `: ${g.message}` : ''}`;
}

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
