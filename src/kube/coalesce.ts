/**
 * Identical reads in flight at the same time share one request: a burst of `!superset status`
 * from a channel (or a busy worker) costs the API server one list call, not one per asker.
 * Nothing is kept once the answer is in, so no one ever reads a stale list.
 */
export class InFlight {
  private readonly pending = new Map<string, Promise<unknown>>();

  run<T>(key: string, load: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(key);
    if (existing) return existing as Promise<T>;
    const p = load().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}
