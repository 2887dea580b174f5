/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. Unlike a plain bucket it can go into debt
 * (`charge`): a line that must leave at once (a PONG, registration) still counts against the server's
 * budget, so the lines after it wait for it. The rate can change while it runs (IRC slows down under lag).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private burst: number,
    private perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  get capacity(): number {
    return this.burst;
  }

  get rate(): number {
    return this.perSecond;
  }

  /** Tokens there now; negative while a debt is paid off. */
  level(): number {
    this.refill();
    return this.tokens;
  }

  /** Take `cost` tokens if they are there now. */
  tryTake(cost = 1): boolean {
    if (this.waitMs(cost) > 0) return false;
    this.tokens -= cost;
    return true;
  }

  /** Take `cost` tokens whatever the level (the line goes now); later lines wait for the debt. */
  charge(cost = 1): void {
    this.refill();
    this.tokens -= cost;
  }

  /**
   * Milliseconds until `cost` tokens are there (0: now). A cost above the bucket waits for a full
   * bucket and leaves a debt, as a server's penalty counter does.
   */
  waitMs(cost = 1): number {
    this.refill();
    const need = Math.min(cost, this.burst) - this.tokens;
    return need <= 1e-9 ? 0 : Math.ceil((need / this.perSecond) * 1000);
  }

  /** A fresh start (a new connection: the server's counter starts at zero). */
  reset(level = this.burst): void {
    this.tokens = Math.min(level, this.burst);
    this.last = this.now();
  }

  /** Assume the server's budget is spent: nothing more until it refills. */
  empty(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  /** New limits; what was taken stays taken. */
  configure(burst: number, perSecond: number): void {
    this.refill();
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }
}

/**
 * Outbound flood control for one stream of lines (Slack posts per channel): a token bucket where
 * callers await `take()` before each line; order is kept.
 */
export class Pacer {
  private readonly bucket: TokenBucket;
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(burst: number, perSecond: number, now: () => number = Date.now) {
    this.bucket = new TokenBucket(burst, perSecond, now);
  }

  take(): Promise<void> {
    this.waiting++;
    const next = this.queue.then(() => this.wait()).finally(() => this.waiting--);
    this.queue = next;
    return next;
  }

  /** Take a token now if one is free and nobody is queued before us; never waits. */
  tryTake(): boolean {
    return this.waiting === 0 && this.bucket.tryTake();
  }

  private async wait(): Promise<void> {
    for (;;) {
      const ms = this.bucket.waitMs();
      if (ms === 0) return void this.bucket.charge();
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}
