// Scheduled changes in Redis (`deploy production at 14:00 UTC`): one record per change, beside the
// delayed BullMQ job that runs it (the job's id is the change's id, so it is queued once). The record's
// state moves once, atomically: scheduled → started (its time came: exactly one run takes it) or
// scheduled → cancelled; whoever loses that race does nothing.
import type { RedisScope } from '../core/scope.js';
import type { Identity, JobData } from '../core/types.js';

export interface ScheduledChange {
  /** `sched-3`: also the BullMQ job id and what `cancel` takes. */
  id: string;
  at: number;
  /** The verb that runs (deploy, restart, flag…). */
  kind: string;
  service: string;
  environment?: string;
  /** What it does, for chat: `deploy superset production`, `flag ALERT_REPORTS on superset staging`. */
  what: string;
  requester: Identity & { user: string };
  /** Production: who confirmed it when it was scheduled (it then runs without asking again). */
  confirmed?: { by: Identity; code: string };
  /** Who approved it, where approvals were required: checked again at its time. */
  approvedBy?: Identity[];
  createdAt: number;
  state: 'scheduled' | 'started' | 'cancelled' | 'done';
  /** How it ended (`deployed`, `refused: superset production is frozen…`). */
  outcome?: string;
  cancelledBy?: string;
  /** The job that runs at `at`. */
  data: JobData;
}

export const SCHEDULED_ID = /^sched-\d{1,12}$/;

// A hash per change: `record` (the JSON, written once), `state`, `outcome`, `cancelledBy`. The state
// moves only from `scheduled`; 1 when this caller moved it.
const MOVE = `if redis.call('HGET', KEYS[1], 'state') ~= 'scheduled' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'cancelledBy', ARGV[2]) end
redis.call('ZREM', KEYS[2], ARGV[3])
return 1`;

/** Records outlive their time by a month (`scheduled` and `job` can still say what became of one). */
const KEEP_AFTER_MS = 30 * 86400_000;

export class ScheduledStore {
  private readonly redis: RedisScope['connection'];
  private readonly base: string;

  constructor(scope: RedisScope) {
    this.redis = scope.connection;
    // one hash tag: the record and the index are touched by one script (Redis Cluster)
    this.base = `${scope.prefix}:{scheduled}`;
  }

  private key(id: string): string {
    return `${this.base}:change:${id}`;
  }
  private get upcoming(): string {
    return `${this.base}:upcoming`;
  }

  async newId(): Promise<string> {
    return `sched-${await this.redis.incr(`${this.base}:seq`)}`;
  }

  async save(c: ScheduledChange): Promise<void> {
    const { state, outcome: _o, cancelledBy: _c, ...record } = c;
    await this.redis
      .multi()
      .hset(this.key(c.id), 'record', JSON.stringify(record), 'state', state)
      .pexpire(this.key(c.id), Math.max(1, c.at - Date.now()) + KEEP_AFTER_MS)
      .zadd(this.upcoming, String(c.at), c.id)
      .exec();
  }

  async get(id: string): Promise<ScheduledChange | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.record) return undefined;
    const r = JSON.parse(h.record) as Omit<ScheduledChange, 'state'>;
    return {
      ...r,
      state: (h.state ?? 'done') as ScheduledChange['state'],
      ...(h.outcome ? { outcome: h.outcome } : {}),
      ...(h.cancelledBy ? { cancelledBy: h.cancelledBy } : {}),
    };
  }

  /** Still to run, soonest first. */
  async list(service?: string, environment?: string): Promise<ScheduledChange[]> {
    const ids = await this.redis.zrange(this.upcoming, '0', '-1');
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter(
      (c): c is ScheduledChange =>
        !!c && c.state === 'scheduled' && (!service || c.service === service) && (!environment || !c.environment || c.environment === environment),
    );
  }

  /** Its time came: the change for exactly one caller, and only while nobody cancelled it. */
  async claim(id: string): Promise<ScheduledChange | undefined> {
    return this.move(id, 'started');
  }

  async cancel(id: string, by: string): Promise<ScheduledChange | undefined> {
    return this.move(id, 'cancelled', by);
  }

  private async move(id: string, state: ScheduledChange['state'], by = ''): Promise<ScheduledChange | undefined> {
    const moved = Number(await this.redis.eval(MOVE, 2, this.key(id), this.upcoming, state, by, id));
    return moved === 1 ? this.get(id) : undefined;
  }

  /** After its run: how it ended. */
  async finish(id: string, outcome: string): Promise<void> {
    await this.redis.hset(this.key(id), 'state', 'done', 'outcome', outcome.slice(0, 300));
  }
}
