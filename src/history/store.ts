// The job history in Redis: one hash per job, sorted-set indexes by time (globally and per service,
// service environment, user, status and kind) so that a query reads only what it shows, and the
// full log of each job, bounded and zlib-compressed.
//
// Who asked is the network account (IRC services account, Slack user id) and the directory user,
// never the nick: a nick proves nothing, so the user index holds accounts and directory users only,
// and a requester without an account reads `nick (no account)`.
//
// Ids are the BullMQ job ids of the `commands` queue (what the deploy engine already prints as
// "job 42"); a command that never became a job (denied) takes its id from the same counter, so one
// short number names one thing: `!job 42`.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { areaKey, bullPrefix, type RedisScope } from '../core/scope.js';
import type { Command, Identity, JobData, ReplyTarget } from '../core/types.js';

export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'denied', 'scheduled'] as const;
export type JobStatus = (typeof STATUSES)[number];

export interface JobRecord {
  id: number;
  /** Job kind (deploy, status…); for a denied command, its verb. */
  kind: string;
  verb: string;
  service: string;
  environment?: string;
  args: string[];
  requestId: string;
  requester: { network: string; nick: string; account?: string; user?: string };
  /** Where it was asked: a channel, or the nick for a private message. */
  channel: string;
  threadId?: string;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Run time (started → finished). */
  durationMs?: number;
  status: JobStatus;
  summary?: string;
  /** Why it was denied / how it was interrupted. */
  reason?: string;
  changed?: { commit?: string; helmRevision?: string };
  /** Lines in the stored log (after bounding), and how many were dropped. */
  logLines?: number;
  logDropped?: number;
  /** The BullMQ job id when it is not the history id (custom ids of follow-up jobs). */
  jobId?: string;
  /** Worker that ran it. */
  host?: string;
  /** A change that started on approvals: who asked for it and who approved it (the requester above is who gave the last approval). */
  requestedBy?: string;
  approvedBy?: string[];
}

export interface JobQuery {
  service?: string;
  environment?: string;
  /** A network account or a directory user (never a nick). */
  user?: string;
  status?: JobStatus;
  kind?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  until?: number;
  limit: number;
}

export interface HistoryOptions {
  /** The counter BullMQ uses for ids of the command queue (default `<prefix>:{commands}:commands:id`). */
  idKey?: string;
  /** Bounds of a stored log: its last lines, and its last bytes (before compression). */
  maxLogLines?: number;
  maxLogBytes?: number;
  /** Candidates a multi-filter query examines at most before it answers with what it found. */
  maxExamine?: number;
}

const RANK: Record<JobStatus, number> = { scheduled: 0, queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2, interrupted: 2, denied: 2 };

// KEYS[1] record hash; KEYS[2..1+#STATUSES] the status indexes in STATUSES order; the rest the indexes it always belongs to.
// ARGV[1] id, ARGV[2] score (queuedAt), ARGV[3] status, ARGV[4..] field, value pairs.
// A status only moves forward (queued → running → finished), so the gateway's "queued" and the
// worker's "running" may land in either order; fields of a skipped write still fill what is missing.
const SAVE = `
local statuses = {${STATUSES.map((s) => `'${s}'`).join(',')}}
local rank = {${STATUSES.map((s) => `['${s}']=${RANK[s]}`).join(',')}}
local cur = redis.call('HGET', KEYS[1], 'status')
local new = ARGV[3]
if (not cur) or rank[new] >= rank[cur] then
  for i, s in ipairs(statuses) do
    if s == cur and s ~= new then redis.call('ZREM', KEYS[1 + i], ARGV[1]) end
    if s == new then redis.call('ZADD', KEYS[1 + i], ARGV[2], ARGV[1]) end
  end
  redis.call('HSET', KEYS[1], 'status', new)
  for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
else
  for i = 4, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
for i = ${STATUSES.length + 2}, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1]) end
return cur or ''
`;

// KEYS[1] the smallest index, KEYS[2..] the other filters; ARGV: min score, max score, limit, max examined.
// Walks the smallest index newest first and keeps ids present in every other index (ZSCORE, O(1)).
const QUERY = `
local out, offset, examined = {}, 0, 0
local limit, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
while #out < limit and examined < cap do
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[1], 'LIMIT', offset, 200)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    examined = examined + 1
    local ok = true
    for k = 2, #KEYS do
      if not redis.call('ZSCORE', KEYS[k], id) then ok = false break end
    end
    if ok then
      out[#out + 1] = id
      if #out >= limit then break end
    end
  end
  offset = offset + #ids
end
return out
`;

const lower = (s: string) => s.toLowerCase();

export class HistoryStore {
  readonly idKey: string;
  private readonly maxLogLines: number;
  private readonly maxLogBytes: number;
  private readonly maxExamine: number;

  readonly redis: Redis;
  readonly prefix: string;

  constructor(scope: RedisScope, o: HistoryOptions = {}) {
    this.redis = scope.connection;
    this.prefix = scope.prefix;
    const prefix = scope.prefix;
    this.idKey = o.idKey ?? `${bullPrefix(prefix, 'commands')}:commands:id`;
    this.maxLogLines = o.maxLogLines ?? 5000;
    this.maxLogBytes = o.maxLogBytes ?? 1024 * 1024;
    this.maxExamine = o.maxExamine ?? 20_000;
  }

  key(...parts: (string | number)[]): string {
    // one hash tag for the whole history: its Lua scripts and MULTIs touch a record and its indexes together
    return [areaKey(this.prefix, 'history'), ...parts].join(':');
  }
  recordKey(id: number): string {
    return this.key('job', id);
  }
  logKey(id: number): string {
    return this.key('log', id);
  }
  index = {
    all: () => this.key('idx', 'all'),
    service: (s: string) => this.key('idx', 'service', s),
    environment: (s: string, e: string) => this.key('idx', 'env', s, e),
    user: (u: string) => this.key('idx', 'user', lower(u)),
    status: (s: JobStatus) => this.key('idx', 'status', s),
    kind: (k: string) => this.key('idx', 'kind', k),
  };

  /** The history id of a BullMQ job: the same number, or one mapped from a custom (non-numeric) id. */
  async idFor(jobId: string | number | undefined): Promise<number> {
    const s = String(jobId ?? '');
    if (/^\d+$/.test(s)) return Number(s);
    const map = this.key('jobids');
    const known = await this.redis.hget(map, s);
    if (known) return Number(known);
    const id = await this.redis.incr(this.idKey);
    const won = await this.redis.hsetnx(map, s, String(id));
    return won ? id : Number(await this.redis.hget(map, s));
  }

  /** The history id of a custom BullMQ job id (`sched-3`) already recorded, without making one up. */
  async knownId(jobId: string): Promise<number | undefined> {
    const known = await this.redis.hget(this.key('jobids'), jobId);
    return known ? Number(known) : undefined;
  }

  /** A fresh id from the job counter, for a command that never became a job. */
  async newId(): Promise<number> {
    for (let i = 0; ; i++) {
      const id = await this.redis.incr(this.idKey);
      if (i >= 100 || !(await this.redis.exists(this.recordKey(id)))) return id;
    }
  }

  /**
   * The job counter never falls behind the history (a queue that was emptied and re-created starts its
   * ids again at 1, which would name old jobs twice): called once at start.
   */
  async syncCounter(): Promise<void> {
    // the newest jobs by time hold the highest ids, give or take the order in which they were queued
    const recent = await this.redis.zrevrange(this.index.all(), 0, 99);
    if (!recent.length) return;
    const top = Math.max(...recent.map(Number));
    await this.redis.eval(
      `if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 1`,
      1,
      this.idKey,
      String(top),
    );
  }

  /** An id reused for another request (see syncCounter): the old record goes, rather than mixing two jobs. */
  private async claim(id: number, requestId: string): Promise<void> {
    const cur = await this.redis.hget(this.recordKey(id), 'requestId');
    if (cur !== null && cur !== requestId) await this.remove([id]);
  }

  /** Indexes a record belongs to whatever its status. */
  private indexesOf(r: Pick<JobRecord, 'service' | 'environment' | 'kind' | 'requester'>): string[] {
    const keys = [this.index.all(), this.index.kind(r.kind)];
    if (r.service) keys.push(this.index.service(r.service));
    if (r.service && r.environment) keys.push(this.index.environment(r.service, r.environment));
    for (const u of actorKeys(r.requester)) keys.push(this.index.user(u));
    return keys;
  }

  private async save(base: Omit<JobRecord, 'status'>, status: JobStatus, fields: Record<string, string | number | undefined>): Promise<JobStatus | undefined> {
    const all: Record<string, string | number | undefined> = { ...baseFields(base), ...fields };
    const argv: string[] = [String(base.id), String(base.queuedAt), status];
    for (const [k, v] of Object.entries(all)) if (v !== undefined && v !== '') argv.push(k, String(v));
    const keys = [this.recordKey(base.id), ...STATUSES.map((s) => this.index.status(s)), ...this.indexesOf(base)];
    const prev = (await this.redis.eval(SAVE, keys.length, ...keys, ...argv)) as string;
    return (prev || undefined) as JobStatus | undefined;
  }

  /** The gateway enqueued a job. */
  async queued(jobId: string | number | undefined, data: JobData): Promise<number> {
    const id = await this.idFor(jobId);
    await this.claim(id, data.command.requestId);
    await this.save(fromJob(id, jobId, data), 'queued', {});
    return id;
  }

  /** A change scheduled for later (`deploy production at 14:00 UTC`): listed by its time (`data.queuedAt`) until it runs. */
  async scheduled(jobId: string, data: JobData): Promise<number> {
    const id = await this.idFor(jobId);
    await this.save(fromJob(id, jobId, data), 'scheduled', {});
    return id;
  }

  /** A denied command: recorded with a fresh id. */
  async denied(command: Command, identity: Identity, replyTo: ReplyTarget, reason: string, at = Date.now()): Promise<number> {
    const id = await this.newId();
    const base = fromJob(id, undefined, { kind: command.verb, command, args: command.args, requester: identity, replyTo, queuedAt: at });
    await this.save(base, 'denied', { reason: reason.slice(0, 500), finishedAt: at, summary: reason.slice(0, 300) });
    return id;
  }

  /** A worker picked the job up (creates the record when the gateway's write has not landed, or for follow-up jobs). */
  async started(jobId: string | number | undefined, data: JobData, o: { at?: number; host?: string } = {}): Promise<number> {
    const id = await this.idFor(jobId);
    await this.claim(id, data.command.requestId);
    await this.save(fromJob(id, jobId, data), 'running', { startedAt: o.at ?? Date.now(), host: o.host });
    return id;
  }

  /** The job ended; its log is stored bounded and compressed. */
  async finished(
    jobId: string | number | undefined,
    data: JobData,
    o: {
      status: JobStatus;
      summary: string;
      changed?: JobRecord['changed'];
      log?: string | string[];
      reason?: string;
      at?: number;
      startedAt?: number;
      approval?: { requestedBy: string; approvedBy: string[] };
    },
  ): Promise<number> {
    const id = await this.idFor(jobId);
    const at = o.at ?? Date.now();
    const started = o.startedAt ?? Number((await this.redis.hget(this.recordKey(id), 'startedAt')) ?? 0);
    const fields: Record<string, string | number | undefined> = {
      finishedAt: at,
      summary: o.summary.slice(0, 500),
      reason: o.reason?.slice(0, 500),
      commit: o.changed?.commit,
      helmRevision: o.changed?.helmRevision,
      requestedBy: o.approval?.requestedBy,
      approvedBy: o.approval?.approvedBy.join(','),
    };
    if (started) Object.assign(fields, { startedAt: started, durationMs: at - started });
    if (o.log !== undefined) {
      const { lines, dropped } = this.bound(typeof o.log === 'string' ? o.log.split(/\r?\n/) : o.log);
      await this.redis.set(this.logKey(id), deflateRawSync(Buffer.from(lines.join('\n'), 'utf8')));
      Object.assign(fields, { logLines: lines.length, logDropped: dropped || undefined });
    }
    await this.save(fromJob(id, jobId, data), o.status, fields);
    return id;
  }

  private bound(input: string[]): { lines: string[]; dropped: number } {
    let lines = input.length && input[input.length - 1] === '' ? input.slice(0, -1) : input;
    let dropped = Math.max(0, lines.length - this.maxLogLines);
    if (dropped) lines = lines.slice(dropped);
    let bytes = 0;
    let from = lines.length;
    while (from > 0 && bytes + Buffer.byteLength(lines[from - 1]!) + 1 <= this.maxLogBytes) bytes += Buffer.byteLength(lines[--from]!) + 1;
    dropped += from;
    lines = lines.slice(from);
    return { lines: dropped ? [`… ${dropped} earlier lines not kept`, ...lines] : lines, dropped };
  }

  async get(id: number): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(this.recordKey(id));
    return h.id ? toRecord(h) : undefined;
  }

  async log(id: number): Promise<string[] | undefined> {
    const buf = await this.redis.getBuffer(this.logKey(id));
    if (!buf) return undefined;
    const text = inflateRawSync(buf).toString('utf8');
    return text ? text.split('\n') : [];
  }

  /** Newest first; reads only the smallest matching index and the records it returns. */
  async query(q: JobQuery): Promise<JobRecord[]> {
    const filters: string[] = [];
    if (q.service && q.environment) filters.push(this.index.environment(q.service, q.environment));
    else if (q.service) filters.push(this.index.service(q.service));
    if (q.user) filters.push(this.index.user(q.user));
    if (q.status) filters.push(this.index.status(q.status));
    if (q.kind) filters.push(this.index.kind(q.kind));
    if (!filters.length) filters.push(this.index.all());
    const min = q.since !== undefined ? String(q.since) : '-inf';
    // Histories written before accounts were the actor also indexed nicks: a nick-only match is no match.
    const byActor = (r: JobRecord) => !q.user || actorKeys(r.requester).includes(lower(q.user));
    const max = q.until !== undefined ? String(q.until) : '+inf';
    let ids: string[];
    if (filters.length === 1) {
      ids = await this.redis.zrevrangebyscore(filters[0]!, max, min, 'LIMIT', 0, q.limit);
    } else {
      // Walk the smallest index (ZCARD is O(1)); check the others per candidate.
      const sizes = await Promise.all(filters.map((k) => this.redis.zcard(k)));
      if (sizes.some((n) => n === 0)) return [];
      const order = filters
        .map((k, i) => [k, sizes[i]!] as const)
        .sort((a, b) => a[1] - b[1])
        .map(([k]) => k);
      ids = (await this.redis.eval(QUERY, order.length, ...order, min, max, String(q.limit), String(this.maxExamine))) as string[];
    }
    return (await this.records(ids.map(Number))).filter(byActor);
  }

  async records(ids: number[]): Promise<JobRecord[]> {
    if (!ids.length) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.recordKey(id));
    const rows = (await p.exec()) ?? [];
    return rows
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h && h.id)
      .map(toRecord);
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.index.all());
  }

  /** Delete records (and their logs and index entries). Returns how many were deleted. */
  async remove(ids: number[]): Promise<number> {
    if (!ids.length) return 0;
    const p = this.redis.pipeline();
    for (const id of ids) p.hmget(this.recordKey(id), 'service', 'environment', 'kind', 'network', 'nick', 'account', 'user', 'status');
    const rows = (await p.exec()) ?? [];
    const del = this.redis.multi();
    rows.forEach(([, v], i) => {
      const id = ids[i]!;
      const [service, environment, kind, network, nick, account, user, status] = (v as (string | null)[]) ?? [];
      if (kind) {
        const keys = this.indexesOf({
          service: service ?? '',
          kind,
          requester: { network: network ?? '', nick: nick ?? '', ...(account ? { account } : {}), ...(user ? { user } : {}) },
          ...(environment ? { environment } : {}),
        });
        for (const k of keys) del.zrem(k, String(id));
        if (nick) del.zrem(this.index.user(nick), String(id)); // the nick index of older histories
        if (status) del.zrem(this.index.status(status as JobStatus), String(id));
      }
      del.zrem(this.index.all(), String(id));
      del.unlink(this.recordKey(id), this.logKey(id));
    });
    await del.exec();
    return ids.length;
  }
}

function fromJob(id: number, jobId: string | number | undefined, data: JobData): Omit<JobRecord, 'status'> {
  const c = data.command;
  const r = data.requester;
  return {
    id,
    kind: data.kind,
    verb: c.verb,
    service: c.service,
    ...(c.environment ? { environment: c.environment } : {}),
    args: c.args,
    requestId: c.requestId,
    requester: { network: r.network, nick: r.nick, ...(r.account ? { account: r.account } : {}), ...(r.user ? { user: r.user } : {}) },
    channel: data.replyTo.target,
    ...(data.replyTo.threadId ? { threadId: data.replyTo.threadId } : {}),
    queuedAt: data.queuedAt,
    ...(jobId !== undefined && String(jobId) !== String(id) ? { jobId: String(jobId) } : {}),
  };
}

function baseFields(r: Omit<JobRecord, 'status'>): Record<string, string | number | undefined> {
  return {
    id: r.id,
    kind: r.kind,
    verb: r.verb,
    service: r.service,
    environment: r.environment,
    args: JSON.stringify(r.args),
    requestId: r.requestId,
    network: r.requester.network,
    nick: r.requester.nick,
    account: r.requester.account,
    user: r.requester.user,
    channel: r.channel,
    threadId: r.threadId,
    queuedAt: r.queuedAt,
    jobId: r.jobId,
  };
}

function toRecord(h: Record<string, string>): JobRecord {
  const num = (k: string) => (h[k] !== undefined && h[k] !== '' ? Number(h[k]) : undefined);
  const opt = <K extends string>(k: K, v: string | number | undefined) => (v !== undefined && v !== '' ? { [k]: v } : {});
  let args: string[] = [];
  try {
    args = JSON.parse(h.args ?? '[]') as string[];
  } catch {
    /* keep [] */
  }
  const changed = { ...opt('commit', h.commit), ...opt('helmRevision', h.helmRevision) } as JobRecord['changed'];
  return {
    id: Number(h.id),
    kind: h.kind ?? '',
    verb: h.verb ?? h.kind ?? '',
    service: h.service ?? '',
    ...opt('environment', h.environment),
    args,
    requestId: h.requestId ?? '',
    requester: { network: h.network ?? '', nick: h.nick ?? '', ...opt('account', h.account), ...opt('user', h.user) },
    channel: h.channel ?? '',
    ...opt('threadId', h.threadId),
    queuedAt: num('queuedAt') ?? 0,
    ...opt('startedAt', num('startedAt')),
    ...opt('finishedAt', num('finishedAt')),
    ...opt('durationMs', num('durationMs')),
    status: (h.status ?? 'queued') as JobStatus,
    ...opt('summary', h.summary),
    ...opt('reason', h.reason),
    ...(changed && Object.keys(changed).length ? { changed } : {}),
    ...opt('logLines', num('logLines')),
    ...opt('logDropped', num('logDropped')),
    ...opt('requestedBy', h.requestedBy),
    ...(h.approvedBy ? { approvedBy: h.approvedBy.split(',') } : {}),
    ...opt('jobId', h.jobId),
    ...opt('host', h.host),
  } as JobRecord;
}

/** What `--user` finds a requester by: the directory user and the network account, lower-cased. */
export function actorKeys(r: { account?: string; user?: string }): string[] {
  return [...new Set([r.user, r.account].filter((x): x is string => !!x).map(lower))];
}

/** Who acted, as people know them: directory user, else network account, else `nick (no account)`. */
export function actorName(r: { nick: string; account?: string; user?: string }): string {
  return r.user || r.account || `${r.nick} (no account)`;
}

/** Who ran it (see actorName). */
export function who(r: JobRecord): string {
  return actorName(r.requester);
}
