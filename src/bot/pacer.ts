/**
 * Outbound flood control: a token bucket (a small burst, then a steady rate). irc-framework has
 * none, and networks kill clients that flood. Callers await `take()` before each line; order is kept.
 */
export class Pacer {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private waiting = 0;

  take(): Promise<void> {
    this.waiting++;
    const next = this.queue.then(() => this.wait()).finally(() => this.waiting--);
    this.queue = next;
    return next;
  }

  /** Take a token now if one is free and nobody is queued before us; never waits. */
  tryTake(): boolean {
    if (this.waiting > 0) return false;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  private async wait(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
    }
  }
}
