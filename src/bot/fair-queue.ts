/**
 * Queues per key (per asker) served fairly: the next item comes from the key that was served least
 * lately (a line count that halves every `halfLifeMs`, 15 s), so someone who asks once is answered before the
 * 25th answer to someone who asked 30 times. A key that has not been served at all lately goes first
 * (every asker's first line early). The key being served keeps its turn while it is within `stickiness`
 * lines of the least-served one, so short answers leave in one piece instead of interleaved line by line.
 * Within a key, order is kept.
 */
export class FairQueue<T> {
  private readonly queues = new Map<string, { items: T[]; since: number }>();
  private readonly usage = new Map<string, { value: number; at: number }>();
  private current?: string;
  private count = 0;

  constructor(private readonly o: { halfLifeMs?: number; stickiness?: number; now?: () => number } = {}) {}

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  get size(): number {
    return this.count;
  }

  /** Keys with items queued. */
  keys(): string[] {
    return [...this.queues.keys()];
  }

  /** Items queued under `key`. */
  sizeOf(key: string): number {
    return this.queues.get(key)?.items.length ?? 0;
  }

  push(key: string, item: T): void {
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { items: [], since: this.now }));
    q.items.push(item);
    this.count++;
  }

  /** Put items back at the head of `key`'s queue, in the order given (lines to send again). */
  unshift(key: string, items: T[]): void {
    if (!items.length) return;
    const q = this.queues.get(key);
    if (q) q.items.unshift(...items);
    else this.queues.set(key, { items: [...items], since: this.now });
    this.count += items.length;
  }

  /** The key whose item goes next, without taking it. */
  peekKey(): string | undefined {
    if (this.count === 0) return undefined;
    const now = this.now;
    let best: string | undefined;
    let bestUse = Infinity;
    let bestSince = Infinity;
    let fresh: string | undefined;
    let freshSince = Infinity;
    for (const [key, q] of this.queues) {
      const u = this.used(key, now);
      if (u < 0.5 && q.since < freshSince) {
        fresh = key;
        freshSince = q.since;
      }
      if (u < bestUse - 1e-9 || (Math.abs(u - bestUse) <= 1e-9 && q.since < bestSince)) {
        best = key;
        bestUse = u;
        bestSince = q.since;
      }
    }
    if (fresh !== undefined) return fresh;
    const cur = this.current;
    if (cur !== undefined && this.queues.has(cur) && this.used(cur, now) <= bestUse + (this.o.stickiness ?? 3)) return cur;
    return best;
  }

  peek(): { key: string; item: T } | undefined {
    const key = this.peekKey();
    if (key === undefined) return undefined;
    return { key, item: this.queues.get(key)!.items[0]! };
  }

  /** Take the next item, counting it against its key. */
  shift(): { key: string; item: T } | undefined {
    const key = this.peekKey();
    if (key === undefined) return undefined;
    const q = this.queues.get(key)!;
    const item = q.items.shift()!;
    this.count--;
    if (!q.items.length) this.queues.delete(key);
    const now = this.now;
    this.usage.set(key, { value: this.used(key, now) + 1, at: now });
    this.current = key;
    this.prune(now);
    return { key, item };
  }

  /** Remove and return every item (in key order, then queue order). */
  drain(): T[] {
    const all = [...this.queues.values()].flatMap((q) => q.items);
    this.queues.clear();
    this.count = 0;
    return all;
  }

  /** Remove the items of one key that match. */
  remove(key: string, pred: (item: T) => boolean): T[] {
    const q = this.queues.get(key);
    if (!q) return [];
    const gone = q.items.filter(pred);
    q.items = q.items.filter((i) => !pred(i));
    this.count -= gone.length;
    if (!q.items.length) this.queues.delete(key);
    return gone;
  }

  private used(key: string, now: number): number {
    const u = this.usage.get(key);
    if (!u) return 0;
    return u.value * 2 ** (-(now - u.at) / (this.o.halfLifeMs ?? 15_000));
  }

  private prune(now: number): void {
    if (this.usage.size < 256) return;
    for (const key of this.usage.keys()) if (!this.queues.has(key) && this.used(key, now) < 0.05) this.usage.delete(key);
  }
}
