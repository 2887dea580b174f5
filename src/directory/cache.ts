// A bounded TTL cache for directory look-ups (lru-cache underneath).
//
// - Found results live `ttlMs`; "not found" results (null/undefined, per `isNegative`) live `negativeTtlMs`
//   (shorter by default, so a newly created account is seen soon).
// - A load that throws is never stored: an unavailable directory must not turn into "no such user" or
//   "no groups" for the next minute. An empty group list is a real answer and is cached like any other.
// - Concurrent get()s of one key share one load (one directory request).
// - refresh() always loads (never answers from the cache, never joins a load already in flight) and
//   stores what it read: a permission check right before a change reads the directory, and what it
//   learns (a group removed) is what the next cached answer says.
// - ttlMs 0 disables storing (lru-cache itself reads ttl 0 as "never expires").

import { LRUCache } from 'lru-cache';

export interface LookupCacheOptions<V> {
  /** Most entries kept; least recently used go first. */
  max: number;
  /** Lifetime of a found result, ms; 0 = do not cache. */
  ttlMs: number;
  /** Lifetime of a not-found result, ms; default min(ttlMs, 10 s). */
  negativeTtlMs?: number;
  /** Which results count as "not found" (default: null or undefined). */
  isNegative?: (value: V) => boolean;
  /** Clock in ms (tests); default performance.now. Must stay > 0: lru-cache treats a start time of 0 as "no TTL". */
  now?: () => number;
}

export interface LookupCacheStats {
  hits: number;
  misses: number;
  /** get()s that joined a load already in flight. */
  shared: number;
  /** Loads that threw (not cached). */
  failures: number;
}

export class LookupCache<V> {
  readonly stats: LookupCacheStats = { hits: 0, misses: 0, shared: 0, failures: 0 };

  private readonly lru: LRUCache<string, { value: V }>;
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly isNegative: (value: V) => boolean;
  /** Bumped by clear()/delete(): loads started before are not stored. */
  private epoch = 0;

  constructor(options: LookupCacheOptions<V>) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new Error('cache max must be a positive integer');
    this.ttlMs = Math.max(0, options.ttlMs);
    this.negativeTtlMs = Math.max(0, options.negativeTtlMs ?? Math.min(this.ttlMs, 10_000));
    this.isNegative = options.isNegative ?? ((v) => v === null || v === undefined);
    this.lru = new LRUCache<string, { value: V }>({
      max: options.max,
      ttl: this.ttlMs || 1, // every set() passes its own ttl; this only turns TTL tracking on
      ttlAutopurge: false,
      updateAgeOnGet: false,
      // lru-cache memoizes now() for ttlResolution ms of real time, which would hide a test clock's jumps.
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  /** The cached value for key, or the result of load() (shared with concurrent callers for the same key). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.lru.get(key);
    if (hit) {
      this.stats.hits++;
      return hit.value;
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.shared++;
      return pending;
    }
    this.stats.misses++;
    const epoch = this.epoch;
    const promise = (async () => {
      try {
        const value = await load();
        const ttl = this.isNegative(value) ? this.negativeTtlMs : this.ttlMs;
        if (ttl > 0 && epoch === this.epoch) this.lru.set(key, { value }, { ttl });
        return value;
      } catch (err) {
        this.stats.failures++;
        throw err;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, promise);
    return promise;
  }

  /**
   * Read now, whatever is cached or in flight (a load started earlier may predate a change), and store
   * the answer for later get()s. A load that throws leaves the cached entry alone (read-only answers may
   * keep using it) and throws: the caller fails closed.
   */
  async refresh(key: string, load: () => Promise<V>): Promise<V> {
    this.stats.misses++;
    const epoch = ++this.epoch; // loads in flight from before must not overwrite what this one reads
    let value: V;
    try {
      value = await load();
    } catch (err) {
      this.stats.failures++;
      throw err;
    }
    const ttl = this.isNegative(value) ? this.negativeTtlMs : this.ttlMs;
    // Another refresh (or a clear) ran meanwhile: store nothing, and keep no entry older than this read.
    if (ttl > 0 && epoch === this.epoch) this.lru.set(key, { value }, { ttl });
    else this.lru.delete(key);
    return value;
  }

  /** Is there a fresh entry for key (does not count as a hit)? */
  has(key: string): boolean {
    return this.lru.has(key);
  }

  delete(key: string): void {
    this.epoch++;
    this.lru.delete(key);
  }

  clear(): void {
    this.epoch++;
    this.lru.clear();
  }

  /** Entries stored (expired ones may still count until touched). */
  get size(): number {
    return this.lru.size;
  }
}
