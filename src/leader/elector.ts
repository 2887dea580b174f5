// Leader election over a lease backend (a Kubernetes Lease or a fenced Redis lease). One process holds the
// lease; it renews it well before it runs out, and stops acting the moment it cannot be sure it still
// holds it: when a renewal is refused (someone else has it) or when the lease would have run out by its
// own clock since the last renewal that succeeded (Redis or the API server unreachable). Others retry.
import type { Logger } from '../core/log.js';
import { NotLeaderError, type Fence } from '../core/fence.js';

/** A lease store: what the elector asks of Redis or of the Kubernetes API. */
export interface LeaseBackend {
  /** Where the lease is (for logs). */
  readonly describe: string;
  /** Take the lease if free or expired (or already ours): the fencing token, or undefined when another holds it. */
  acquire(identity: string, leaseMs: number): Promise<number | undefined>;
  /** Extend our lease: false when it is no longer ours (taken over or gone). */
  renew(identity: string, token: number, leaseMs: number): Promise<boolean>;
  /** Still ours, at this token (the fencing check before a singleton's write). */
  check(identity: string, token: number): Promise<boolean>;
  release(identity: string, token: number): Promise<void>;
}

export interface ElectorOptions {
  backend: LeaseBackend;
  identity: string;
  leaseMs: number;
  renewMs: number;
  retryMs: number;
  log: Logger;
  /** Became leader, with the fencing token. May be async (connecting to IRC); a loss meanwhile calls onDeposed. */
  onElected(token: number): void | Promise<void>;
  /** Lost the lease (or stopping): stop acting now. */
  onDeposed(reason: string): void | Promise<void>;
}

export class LeaderElector {
  private token: number | undefined;
  /** Local time until which the lease is surely ours (renewal sent at t → t + leaseMs, less a margin). */
  private validUntil = 0;
  private timer?: NodeJS.Timeout;
  private expiry?: NodeJS.Timeout;
  private stopped = false;
  private transitions = Promise.resolve();

  constructor(private readonly o: ElectorOptions) {}

  get isLeader(): boolean {
    return this.token !== undefined && Date.now() < this.validUntil;
  }

  get fencingToken(): number | undefined {
    return this.isLeader ? this.token : undefined;
  }

  /** Before every write only the leader may make: our own clock first, then the backend (Redis: a Lua check of the token). */
  readonly fence: Fence = async () => {
    const token = this.token;
    if (token === undefined || Date.now() >= this.validUntil) throw new NotLeaderError('not the leader (the lease is not held)');
    if (!(await this.o.backend.check(this.o.identity, token))) {
      this.depose('the lease is held by another');
      throw new NotLeaderError('not the leader any more (the lease was taken over)');
    }
  };

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const sentAt = Date.now();
    const { backend, identity, leaseMs } = this.o;
    try {
      if (this.token === undefined) {
        const token = await backend.acquire(identity, leaseMs);
        if (token !== undefined && !this.stopped) this.elected(token, sentAt);
      } else if (await backend.renew(identity, this.token, leaseMs)) {
        this.extend(sentAt);
      } else {
        this.depose('the lease was taken over');
      }
    } catch (err) {
      // unreachable: keep acting only while the last renewal still covers us (the expiry timer says when not)
      this.o.log.warn({ err: (err as Error).message, lease: backend.describe }, 'leader lease: backend unreachable');
    }
    this.schedule(this.token === undefined ? this.o.retryMs : this.o.renewMs);
  }

  /** The lease runs leaseMs from when the request was sent; a tenth (at least 200 ms) is kept as a margin for clock drift. */
  private extend(sentAt: number): void {
    const margin = Math.max(200, this.o.leaseMs / 10);
    this.validUntil = sentAt + this.o.leaseMs - margin;
    clearTimeout(this.expiry);
    this.expiry = setTimeout(() => this.depose('the lease ran out without a renewal'), Math.max(0, this.validUntil - Date.now()));
    this.expiry.unref?.();
  }

  private elected(token: number, sentAt: number): void {
    this.token = token;
    this.extend(sentAt);
    this.o.log.info({ identity: this.o.identity, token, lease: this.o.backend.describe }, 'leader: elected');
    this.transitions = this.transitions
      .then(() => this.o.onElected(token))
      .catch((err: unknown) => this.o.log.error({ err }, 'leader: start as leader failed'));
  }

  private depose(reason: string): void {
    if (this.token === undefined) return;
    this.token = undefined;
    this.validUntil = 0;
    clearTimeout(this.expiry);
    this.o.log.warn({ identity: this.o.identity, reason }, 'leader: deposed');
    // stop acting now; whatever onElected is still doing is followed by this
    const now = this.o.onDeposed(reason);
    this.transitions = this.transitions.then(() => now).catch((err: unknown) => this.o.log.error({ err }, 'leader: stop as leader failed'));
  }

  /** Wait until the last elected/deposed reaction has run (tests, shutdown). */
  async settled(): Promise<void> {
    await this.transitions;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const token = this.token;
    this.depose('stopping');
    await this.transitions;
    if (token !== undefined) await this.o.backend.release(this.o.identity, token).catch(() => {});
  }
}
