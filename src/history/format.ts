// `!jobs` / `deckhand jobs` filters (one parser for chat and the CLI) and how a job reads in a line.
import { UsageError } from '../core/errors.js';
import type { ServiceRegistry } from '../core/registry.js';
import { quoteBack } from '../core/sanitize.js';
import { humanDuration } from '../core/time.js';
import { STATUSES, who, type JobQuery, type JobRecord, type JobStatus } from './store.js';

export interface JobFilters {
  service?: string;
  environment?: string;
  user?: string;
  status?: string;
  kind?: string;
  since?: string;
  limit?: string | number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const FLAGS = ['--user', '--status', '--kind', '--since', '--limit'];

/** `30m`, `12h`, `2d`, `1w` → milliseconds. */
function parseSince(text: string): number {
  const m = /^(\d{1,5})([smhdw])$/.exec(text.trim().toLowerCase());
  if (!m) throw new UsageError(`--since ${quoteBack(text, 20)}: use a count and a unit, like 30m, 12h, 2d or 1w`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Checks every filter against the registry and strict patterns; an error is one line that says what would work. */
export function buildQuery(f: JobFilters, registry: ServiceRegistry, o: { defaultLimit: number; maxLimit: number; now?: number }): JobQuery {
  const q: JobQuery = { limit: o.defaultLimit };
  if (f.service !== undefined) {
    const s = f.service.toLowerCase();
    registry.service(s); // unknown service → "did you mean"
    q.service = s;
  }
  if (f.environment !== undefined) {
    if (!q.service) throw new UsageError('an environment needs a service first: jobs <service> <env>');
    const e = f.environment.toLowerCase();
    registry.environment(q.service, e);
    q.environment = e;
  }
  if (f.user !== undefined) {
    if (!/^[A-Za-z0-9._@\-[\]\\^{}|`]{1,64}$/.test(f.user)) throw new UsageError(`--user ${quoteBack(f.user, 20)}: not a user name`);
    q.user = f.user;
  }
  if (f.status !== undefined) {
    const s = f.status.toLowerCase();
    if (!(STATUSES as readonly string[]).includes(s)) {
      throw new UsageError(`--status ${quoteBack(f.status, 20)}: use one of ${STATUSES.join(', ')}`);
    }
    q.status = s as JobStatus;
  }
  if (f.kind !== undefined) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(f.kind.toLowerCase()))
      throw new UsageError(`--kind ${quoteBack(f.kind, 20)}: not a job kind (deploy, status, restart…)`);
    q.kind = f.kind.toLowerCase();
  }
  if (f.since !== undefined) q.since = (o.now ?? Date.now()) - parseSince(f.since);
  if (f.limit !== undefined) {
    const n = typeof f.limit === 'number' ? f.limit : /^\d{1,6}$/.test(f.limit) ? Number(f.limit) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > o.maxLimit)
      throw new UsageError(`--limit ${quoteBack(String(f.limit), 20)}: use a number from 1 to ${o.maxLimit}`);
    q.limit = n;
  }
  return q;
}

/** Chat arguments: `[service] [env] [--user U] [--status S] [--kind K] [--since 2d] [--limit N]` (also `--flag=value`). */
export function parseJobArgs(args: string[]): JobFilters {
  const f: JobFilters = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = (eq > 0 ? a.slice(0, eq) : a).toLowerCase();
    if (!FLAGS.includes(flag)) {
      throw new UsageError(`unknown option ${quoteBack(flag, 20)}: jobs [service] [env] [--user U] [--status S] [--kind K] [--since 2d] [--limit N]`);
    }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    const name = flag.slice(2) as 'user' | 'status' | 'kind' | 'since' | 'limit';
    if (f[name] !== undefined) throw new UsageError(`${flag} given twice`);
    f[name] = value;
  }
  if (positional.length > 2)
    throw new UsageError(
      `too many arguments (${quoteBack(positional.slice(2).join(' '), 30)}): jobs [service] [env] [--user U] [--status S] [--kind K] [--since 2d] [--limit N]`,
    );
  if (positional[0] !== undefined) f.service = positional[0];
  if (positional[1] !== undefined) f.environment = positional[1];
  return f;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `14:02 UTC` today, `Jun 02 14:02 UTC` this year, `2025-06-02 14:02 UTC` before. */
export function when(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const n = new Date(now);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  if (d.toISOString().slice(0, 10) === n.toISOString().slice(0, 10)) return hm;
  if (d.getUTCFullYear() === n.getUTCFullYear()) return `${d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${pad(d.getUTCDate())} ${hm}`;
  return `${d.toISOString().slice(0, 10)} ${hm}`;
}

/** Full timestamp for details: `2026-06-02 14:02:05 UTC`. */
export function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function what(r: JobRecord): string {
  return [r.kind, r.service, r.environment].filter(Boolean).join(' ');
}

/** `#42 deploy superset staging by alice 14:02 UTC 1m12s succeeded` */
export function jobLine(r: JobRecord, now = Date.now()): string {
  const parts = [`#${r.id}`, what(r), `by ${who(r)}`, when(r.queuedAt, now)];
  if (r.status === 'running' && r.startedAt) parts.push(`running for ${humanDuration(now - r.startedAt)}`);
  else if (r.status === 'scheduled') parts.splice(3, 1, `scheduled for ${when(r.queuedAt, now)}${r.jobId ? ` (${r.jobId})` : ''}`);
  else {
    if (r.durationMs !== undefined) parts.push(humanDuration(r.durationMs));
    parts.push(r.status);
  }
  return parts.join(' ');
}

/** What the filters were, for "no jobs match …". */
export function describeQuery(q: JobQuery): string {
  const bits = [q.service, q.environment, q.user && `--user ${q.user}`, q.status && `--status ${q.status}`, q.kind && `--kind ${q.kind}`].filter(Boolean);
  if (q.since !== undefined) bits.push(`since ${stamp(q.since)}`);
  return bits.length ? bits.join(' ') : 'any';
}

/** One-line description of what changed. */
export function changedText(r: JobRecord): string | undefined {
  const c = r.changed;
  if (!c) return undefined;
  const bits = [c.commit && `commit ${c.commit.slice(0, 12)}`, c.helmRevision && `helm revision ${c.helmRevision}`].filter(Boolean);
  return bits.length ? bits.join(', ') : undefined;
}
