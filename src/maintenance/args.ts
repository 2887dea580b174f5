// `maint …` arguments → one request, or a UsageError carrying one clear line for the asker.
import { UnknownServiceError, UsageError } from '../core/errors.js';
import type { ServiceRegistry } from '../core/registry.js';
import { oneLine, quoteBack } from '../core/sanitize.js';
import { closest } from '../core/suggest.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseStart, parseStartText, utc } from './when.js';

export const MAINT_USAGE = 'maint <service> [env] <start> <duration> <reason…> | maint list [service] | maint cancel <id> | maint extend <id> <duration>';
const START_HELP = 'say now, 14:00 UTC, tomorrow 09:30 UTC, in 2h or 2026-12-01T14:00Z';
const DURATION_HELP = 'say 30m, 2h or 1h30m';
const SUBCOMMANDS = ['list', 'cancel', 'extend'];

export type MaintRequest =
  | { action: 'create'; service: string; environment?: string; start: number; end: number; reason: string; startedNow: boolean }
  | { action: 'list'; service?: string }
  | { action: 'cancel'; id: number }
  | { action: 'extend'; id: number; byMs: number };

export interface MaintLimits {
  maxDurationMs: number;
  maxReasonChars: number;
  /** How far ahead a window may start. */
  maxAheadMs: number;
  /** A start this little in the past is read as "now" (typing takes time). */
  graceMs: number;
}

export const DEFAULT_LIMITS: MaintLimits = { maxDurationMs: 7 * 86400_000, maxReasonChars: 200, maxAheadMs: 365 * 86400_000, graceMs: 120_000 };

const isDuration = (t: string): boolean => parseDuration(t) !== undefined;

export function parseWindowId(text: string | undefined, sub: string): number {
  const m = text ? /^#?(\d{1,9})$/.exec(text) : null;
  if (!m) throw new UsageError(`maint ${sub}: which window? give its number, e.g. maint ${sub} 3${sub === 'extend' ? ' 30m' : ''} (see maint list)`);
  return Number(m[1]);
}

function positiveDuration(text: string | undefined, what: string, limits: MaintLimits): number {
  if (text === undefined) throw new UsageError(`${what}: how long? ${DURATION_HELP}`);
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`duration "${quoteBack(text)}" not understood: ${DURATION_HELP}`);
  if (ms <= 0) throw new UsageError(`duration must be longer than 0 (e.g. 30m)`);
  if (ms > limits.maxDurationMs)
    throw new UsageError(`duration ${formatDuration(ms)} is longer than the limit of ${formatDuration(limits.maxDurationMs)} (maintenance.maxDuration)`);
  return ms;
}

export function parseMaintArgs(args: string[], registry: ServiceRegistry, now: number, limits: MaintLimits = DEFAULT_LIMITS): MaintRequest {
  const first = args[0]?.toLowerCase();
  if (!first) throw new UsageError(`usage: ${MAINT_USAGE}`);
  if (first === 'list') {
    if (args.length > 2) throw new UsageError('usage: maint list [service]');
    const service = args[1]?.toLowerCase();
    if (service) registry.service(service);
    return { action: 'list', ...(service ? { service } : {}) };
  }
  if (first === 'cancel') {
    if (args.length > 2) throw new UsageError('usage: maint cancel <id>');
    return { action: 'cancel', id: parseWindowId(args[1], 'cancel') };
  }
  if (first === 'extend') {
    const id = parseWindowId(args[1], 'extend');
    if (args.length > 3) throw new UsageError('usage: maint extend <id> <duration>');
    return { action: 'extend', id, byMs: positiveDuration(args[2], `maint extend ${id}`, limits) };
  }

  if (!registry.has(first)) throw new UnknownServiceError(quoteBack(args[0]!), closest(first, [...registry.names(), ...SUBCOMMANDS]));
  const service = first;
  let rest = args.slice(1);
  let environment: string | undefined;
  const maybeEnv = rest[0]?.toLowerCase();
  if (maybeEnv && registry.environments(service).includes(maybeEnv)) {
    environment = maybeEnv;
    rest = rest.slice(1);
  }
  const label = environment ? `${service} ${environment}` : service;
  if (!rest.length) throw new UsageError(`maint ${label} <start> <duration> <reason…>: when? ${START_HELP}`);

  const parsed = parseStart(rest, now, isDuration);
  if (!parsed) {
    // Tell apart a start we cannot read from a start followed by something that is not a duration.
    for (let k = Math.min(5, rest.length); k >= 1; k--) {
      if (typeof parseStartText(rest.slice(0, k).join(' '), now) === 'number') {
        const next = rest[k];
        if (next === undefined) throw new UsageError(`maint ${label} ${rest.slice(0, k).join(' ')}: how long? ${DURATION_HELP}`);
        throw new UsageError(`duration "${quoteBack(next)}" not understood: ${DURATION_HELP}`);
      }
    }
    throw new UsageError(`start "${quoteBack(rest.slice(0, 3).join(' '))}" not understood: ${START_HELP}`);
  }
  if ('vague' in parsed) throw new UsageError(`start "${quoteBack(parsed.vague)}" needs a time of day, e.g. tomorrow 09:30 UTC`);

  let start = parsed.at;
  const startedNow = start <= now;
  if (start < now - limits.graceMs) {
    throw new UsageError(`start ${utc(start, now)} is in the past (it is ${utc(now, now)} now): use now or a later time`);
  }
  if (start < now) start = now;
  if (start - now > limits.maxAheadMs) throw new UsageError(`start ${utc(start, now)} is more than ${formatDuration(limits.maxAheadMs)} ahead`);
  const durationMs = positiveDuration(rest[parsed.tokens], `maint ${label}`, limits);

  const reason = oneLine(rest.slice(parsed.tokens + 1).join(' ')).trim();
  if (!reason) throw new UsageError(`say why: maint ${label} ${rest.slice(0, parsed.tokens + 1).join(' ')} <reason…> (people read it on every channel)`);
  const chars = [...reason].length;
  if (chars > limits.maxReasonChars)
    throw new UsageError(`reason too long (${chars} characters; at most ${limits.maxReasonChars}): a short line, with a link for details`);
  return { action: 'create', service, ...(environment ? { environment } : {}), start, end: start + durationMs, reason, startedNow };
}
