// Deploy state in Redis, under the deployment's key prefix: per-environment locks (owner + TTL, renewed
// while the job runs, released by owner only), freezes, pending confirmations, running jobs (for the
// clean-up after a dead worker), cancel requests, and the full redacted log of each job.
import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisScope } from '../core/scope.js';
import type { Identity, JobData, ReplyTarget } from '../core/types.js';
import type { Approval, ApprovalPolicy } from './approvals.js';
import type { Freeze, LockOwner } from './errors.js';

// Compare-and-renew / compare-and-delete on the owner's job id (cjson is built into Redis' Lua).
const RENEW = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if cjson.decode(v).jobId ~= ARGV[1] then return -1 end
if ARGV[3] ~= '' then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;
const RELEASE = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if cjson.decode(v).jobId ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
return 1`;
// An approval of a pending confirmation, kept beside it (a hash: user → approval, living as long as the
// confirmation): '!' = this user approved already, else every approval. One key, so Redis Cluster is fine.
const APPROVE = `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return '!' end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('HVALS', KEYS[1])`;

export interface PendingConfirmation {
  code: string;
  verb: 'deploy' | 'restart' | 'rollout' | 'rollback' | 'stop' | 'start' | 'approve-upgrade';
  service: string;
  environment?: string;
  /** Roll-out group, for verb rollout. */
  group?: string;
  requester: Identity;
  replyTo: ReplyTarget;
  requestId: string;
  createdAt: number;
  expiresAt: number;
  /** The diff that was shown: the apply only goes ahead if the diff is still the same. */
  diffDigest?: string;
  /** Asked with --during-maintenance (carried to the confirmed run). */
  duringMaintenance?: boolean;
  /** An operation's arguments (rollback's revision), for the confirmed run. */
  args?: Record<string, unknown>;
  summary: string;
  /** Job that asked (its log holds the diff). */
  jobId: string;
  /** A change asked for later: confirming it schedules `data` for `at` (src/handlers/schedule-change.ts) instead of running it. */
  schedule?: { at: number; data: JobData };
  /** The environment's `approvals` when it was asked: then approvals, not the requester's confirm, start it. */
  approval?: ApprovalPolicy;
  /** Approvals so far (filled in by `pending`; stored beside the confirmation). */
  approvals?: Approval[];
}

export interface RunningJob {
  jobId: string;
  service: string;
  environment: string;
  verb: string;
  user: string;
  host: string;
  startedAt: number;
  pgid?: number;
  announced?: boolean;
  rollout?: { group: string; index: number; total: number; remaining: string[] };
}

const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz'; // letters only (job ids are numbers), no i/l/o

export function newCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

export const CODE_PATTERN = /^[a-z]{6}$/;

export class DeployStore {
  readonly redis: Redis;
  readonly prefix: string;

  constructor(scope: RedisScope) {
    this.redis = scope.connection;
    this.prefix = scope.prefix;
  }

  key(...parts: string[]): string {
    return [this.prefix, 'deploy', ...parts].join(':');
  }

  // ── locks ────────────────────────────────────────────────────────────────────────────────
  lockKey(service: string, env: string): string {
    return this.key('lock', service, env);
  }

  /** SET NX PX: the owner, or who holds it. */
  async acquire(service: string, env: string, owner: LockOwner, ttlMs: number): Promise<{ ok: true } | { ok: false; holder: LockOwner }> {
    const k = this.lockKey(service, env);
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.redis.set(k, JSON.stringify(owner), 'PX', Math.ceil(ttlMs), 'NX')) === 'OK') return { ok: true };
      const raw = await this.redis.get(k);
      if (raw) return { ok: false, holder: JSON.parse(raw) as LockOwner };
      // expired between SET and GET: try again
    }
    return { ok: false, holder: { jobId: '?', user: '?', nick: '?', network: '?', verb: 'deploy', since: Date.now(), host: '?' } };
  }

  async holder(service: string, env: string): Promise<LockOwner | undefined> {
    const raw = await this.redis.get(this.lockKey(service, env));
    return raw ? (JSON.parse(raw) as LockOwner) : undefined;
  }

  /** 1 renewed, 0 gone, -1 someone else holds it. `owner` replaces the stored owner (e.g. with the pgid). */
  async renew(service: string, env: string, jobId: string, ttlMs: number, owner?: LockOwner): Promise<number> {
    return Number(await this.redis.eval(RENEW, 1, this.lockKey(service, env), jobId, String(Math.ceil(ttlMs)), owner ? JSON.stringify(owner) : ''));
  }

  /** Only the owner releases: a lock that expired and was taken by another job stays theirs. */
  async release(service: string, env: string, jobId: string): Promise<boolean> {
    return Number(await this.redis.eval(RELEASE, 1, this.lockKey(service, env), jobId)) === 1;
  }

  // ── freezes (`lock`/`unlock` verbs) ─────────────────────────────────────────────────────
  async freeze(service: string, env: string, f: Freeze): Promise<Freeze | undefined> {
    const k = this.key('freeze', service, env);
    const prev = await this.redis.get(k);
    await this.redis.set(k, JSON.stringify(f));
    return prev ? (JSON.parse(prev) as Freeze) : undefined;
  }

  async frozen(service: string, env: string): Promise<Freeze | undefined> {
    const raw = await this.redis.get(this.key('freeze', service, env));
    return raw ? (JSON.parse(raw) as Freeze) : undefined;
  }

  async unfreeze(service: string, env: string): Promise<Freeze | undefined> {
    const raw = await this.redis.getdel(this.key('freeze', service, env));
    return raw ? (JSON.parse(raw) as Freeze) : undefined;
  }

  // ── pending confirmations ───────────────────────────────────────────────────────────────
  /** Kept an hour past expiry so a late `confirm` is told it expired, not that it never existed. */
  async savePending(p: PendingConfirmation): Promise<void> {
    await this.redis.set(this.key('confirm', p.code), JSON.stringify(p), 'PX', Math.max(1, p.expiresAt - Date.now()) + 3600_000);
  }

  async pending(code: string): Promise<PendingConfirmation | undefined> {
    const [raw, approvals] = await Promise.all([this.redis.get(this.key('confirm', code)), this.redis.hvals(this.key('approvals', code))]);
    if (!raw) return undefined;
    const p = JSON.parse(raw) as PendingConfirmation;
    return approvals.length ? { ...p, approvals: sortApprovals(approvals) } : p;
  }

  /** Atomic: exactly one confirm (or cancel, or the last approval) takes a pending confirmation. */
  async claimPending(code: string): Promise<boolean> {
    return (await this.redis.del(this.key('confirm', code))) === 1;
  }

  /** Adds an approval: every approval so far (this one last), or why not. One approval per directory user. */
  async addApproval(code: string, a: Approval): Promise<Approval[] | 'gone' | 'already'> {
    const pending = this.key('confirm', code);
    const ttl = await this.redis.pttl(pending);
    if (ttl <= 0) return 'gone';
    const r = (await this.redis.eval(APPROVE, 1, this.key('approvals', code), a.user, JSON.stringify(a), String(ttl))) as string | string[];
    if (r === '!') return 'already';
    // taken (confirmed, cancelled, or the last approval of someone else) while this one was added: it does not count
    if (!(await this.redis.exists(pending))) return 'gone';
    return sortApprovals(r as string[]);
  }

  // ── running jobs ────────────────────────────────────────────────────────────────────────
  async setRunning(r: RunningJob): Promise<void> {
    await this.redis.set(this.key('running', r.jobId), JSON.stringify(r), 'EX', 7 * 86400);
  }

  async running(jobId: string): Promise<RunningJob | undefined> {
    const raw = await this.redis.get(this.key('running', jobId));
    return raw ? (JSON.parse(raw) as RunningJob) : undefined;
  }

  async clearRunning(jobId: string): Promise<void> {
    await this.redis.del(this.key('running', jobId));
  }

  // ── cancel requests ─────────────────────────────────────────────────────────────────────
  async requestCancel(jobId: string, by: string): Promise<void> {
    await this.redis.set(this.key('cancel', jobId), by, 'EX', 3600);
  }

  async cancelRequested(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('cancel', jobId))) ?? undefined;
  }
}

function sortApprovals(raw: string[]): Approval[] {
  return raw.map((v) => JSON.parse(v) as Approval).sort((a, b) => a.at - b.at);
}

/**
 * The full (redacted) output of a job, as a Redis list `<prefix>:deploy:log:<jobId>` — the `logRef` the
 * job history shows with `!job N`. Lines are pushed in batches; past `maxLines` only a count is kept.
 */
export class JobLog {
  private buffer: string[] = [];
  private count = 0;
  private dropped = 0;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: DeployStore,
    readonly ref: string,
    private readonly maxLines: number,
    private readonly ttlSeconds: number,
  ) {}

  static refFor(jobId: string): string {
    return `deploy:log:${jobId}`;
  }

  get key(): string {
    return `${this.store.prefix}:${this.ref}`;
  }

  append(line: string): void {
    if (this.count >= this.maxLines) {
      this.dropped++;
      return;
    }
    this.count++;
    this.buffer.push(line);
    if (this.buffer.length >= 500) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 250);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer.length) return;
    const lines = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing
      .then(() =>
        this.store.redis
          .multi()
          .rpush(this.key, ...lines)
          .expire(this.key, this.ttlSeconds)
          .exec(),
      )
      .then(
        () => undefined,
        () => undefined,
      );
  }

  async close(): Promise<void> {
    if (this.dropped) this.buffer.push(`… ${this.dropped} more lines not kept (deploy.logMaxLines)`);
    this.dropped = 0;
    this.flush();
    await this.flushing;
  }

  static async read(store: DeployStore, ref: string): Promise<string[]> {
    return store.redis.lrange(`${store.prefix}:${ref}`, 0, -1);
  }
}
