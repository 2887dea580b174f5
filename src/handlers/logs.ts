// `<service> logs <pod-or-component> [env] [--previous] [--lines N] [--container C]`: the tail of a
// pod's log through the Kubernetes API, in the environment's own namespace only. Redacted and
// stripped of control characters like deploy output; the last lines in chat, the whole tail in the
// job's log (`job N log` and its signed page).
import type { V1Pod } from '@kubernetes/client-node';
import { stripAnsi } from '../core/ansi.js';
import { UsageError, UserError } from '../core/errors.js';
import { cmd, line, plain, type Line } from '../core/parts.js';
import { clip, quoteBack } from '../core/sanitize.js';
import { closest } from '../core/suggest.js';
import { knownSecrets, Redactor } from '../deploy/redact.js';
import { findPod, shortPodName } from '../kube/find-pod.js';
import { defineVerb } from './verb.js';

export const LOG_LINES = { default: 200, min: 1, max: 1000 } as const;
/** Lines shown in chat; the rest is in the job's log. */
const CHAT_LINES = 10;
const CHAT_LINE_CHARS = 300;
/** What is read of one log at most (limitBytes). */
const MAX_BYTES = 512 * 1024;
const USAGE = '<service> logs <pod-or-component> [env] [--previous] [--lines N] [--container C]';
const OPTIONS = ['--previous', '--lines', '--container'];
// a pod name (DNS subdomain), or one shortened as `events` prints it (superset-staging-…-82hn8)
const POD = /^[a-z0-9](?:[a-z0-9.-]|…|\.\.\.){0,252}$/u;
const CONTAINER = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface LogsArgs {
  service: string;
  environment: string;
  target: string;
  previous: boolean;
  lines: number;
  container?: string;
}

export const logs = defineVerb({
  verb: 'logs',
  scope: 'service',
  mutating: false,
  anonymous: true,
  environment: 'required',
  environmentAt: 'last',
  usage: USAGE,
  summary: "the last lines of a pod's log (a pod name, a unique prefix, or a component such as webserver), redacted; the whole tail in the job's log",
  parse({ command }): LogsArgs {
    const usage = USAGE.replace('<service>', command.service);
    const args = command.args;
    let target: string | undefined;
    let previous = false;
    let lines: number = LOG_LINES.default;
    let container: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const word = args[i]!;
      const eq = word.startsWith('--') ? word.indexOf('=') : -1;
      const option = (eq > 0 ? word.slice(0, eq) : word).toLowerCase();
      const value = (): string => {
        const v = eq > 0 ? word.slice(eq + 1) : args[++i];
        if (v === undefined || v === '') throw new UsageError(`${option} needs a value: ${usage}`);
        return v;
      };
      if (option === '--previous') {
        if (eq > 0) throw new UsageError(`--previous takes no value: ${usage}`);
        previous = true;
      } else if (option === '--lines' || option === '--tail') {
        const v = value();
        const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
        if (!(n >= LOG_LINES.min && n <= LOG_LINES.max))
          throw new UsageError(`--lines takes a number of lines, ${LOG_LINES.min}–${LOG_LINES.max} (got "${quoteBack(v, 20)}")`);
        lines = n;
      } else if (option === '--container' || option === '-c') {
        const v = value();
        if (!CONTAINER.test(v)) throw new UsageError(`"${quoteBack(v)}" is not a container name`);
        container = v;
      } else if (word.startsWith('-')) {
        const near = closest(option, OPTIONS, 1).filter((o) => o !== option);
        throw new UsageError(`unknown option "${quoteBack(word, 20)}" for logs${near.length ? ` (did you mean ${near[0]}?)` : ''}: ${usage}`);
      } else if (target !== undefined) {
        throw new UsageError(`one pod or component at a time (got "${quoteBack(args.filter((a) => !a.startsWith('-')).join(' '))}"): ${usage}`);
      } else {
        if (!POD.test(word)) throw new UsageError(`"${quoteBack(word)}" is not a pod name or component: ${usage}`);
        target = word;
      }
    }
    if (target === undefined) throw new UsageError(`which pod? ${usage} (a pod name, a unique prefix of one, or a component such as webserver)`);
    return { service: command.service, environment: command.environment!, target, previous, lines, ...(container ? { container } : {}) };
  },
  async run(ctx, a) {
    const env = ctx.registry.environment(a.service, a.environment);
    const label = `${a.service} ${a.environment}`;
    // the environment's own namespace, and nothing else: every pod of it (a component may sit outside the service's selector)
    const pods = await ctx.kube.listPods(env.context, env.namespace, '');
    const { pod, by } = findPod(pods, a.target, env.namespace);
    const name = pod.metadata!.name!;
    const container = pickContainer(pod, a.container);
    const raw = await ctx.kube.podLog(env.context, env.namespace, name, { container, tailLines: a.lines, previous: a.previous, limitBytes: MAX_BYTES });

    const all = raw.split('\n');
    if (all.at(-1) === '') all.pop();
    // a carriage return or tab inside a line is a space (never a line of its own), then colours and other controls go
    const clean = new Redactor(knownSecrets(ctx.config)).lines(all.map((l) => stripAnsi(l.replace(/[\r\t\v\f]+/g, ' ').trimEnd())));
    const which = [
      by === 'component' ? `newest ${a.target} pod` : undefined,
      (pod.spec?.containers.length ?? 0) > 1 || a.container ? `container ${container}` : undefined,
      a.previous ? 'previous run' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    const state = podState(pod, container);
    const what = `${label}: ${name}${which ? ` (${which})` : ''}${state ? `, ${state}` : ''}`;
    const shown = clean
      .filter((l) => l.trim())
      .slice(-CHAT_LINES)
      .map((l) => `  ${clip(l, CHAT_LINE_CHARS)}`);
    const head = !clean.length
      ? `${what}: the log is empty`
      : shown.length < clean.length
        ? `${what}: last ${shown.length} of ${clean.length} lines`
        : `${what}: ${clean.length} line${clean.length === 1 ? '' : 's'}`;
    const lines: Line[] = [head, ...shown];
    if (clean.length) lines.push(line`full log: ${cmd(`job ${ctx.jobId} log`)}`);
    const log = [`${plain(head)}`, `$ GET pods/${name}/log container=${container} tailLines=${a.lines}${a.previous ? ' previous=true' : ''}`, ...clean].join(
      '\n',
    );
    return { ok: true, summary: head, lines, log };
  },
});

/** The container asked for (it must be the pod's), else the one kubectl would default to. */
function pickContainer(pod: V1Pod, asked: string | undefined): string {
  const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
  if (asked) {
    if (!names.includes(asked)) throw new UserError(`${shortPodName(pod.metadata!.name!)} has no container "${asked}" (choose one of: ${names.join(', ')})`);
    return asked;
  }
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  const first = pod.spec?.containers[0]?.name;
  if (!first) throw new UserError(`${shortPodName(pod.metadata!.name!)} has no containers`);
  return first;
}

function podState(pod: V1Pod, container: string): string {
  const cs = pod.status?.containerStatuses?.find((s) => s.name === container);
  if (!cs) return '';
  const parts = [cs.state?.waiting?.reason, cs.restartCount ? `${cs.restartCount} restart${cs.restartCount === 1 ? '' : 's'}` : undefined].filter(Boolean);
  return parts.join(', ');
}
