// Trims the job history by age and count, on a timer, in small batches: a trim never holds Redis for
// long, so commands keep being answered while it runs. A Redis lock makes one process trim at a time
// however many gateways and workers run.
import { randomUUID } from 'node:crypto';
import type { Fence } from '../core/fence.js';
import type { Logger } from '../core/log.js';
import type { HistoryStore } from './store.js';

export interface RetentionOptions {
  maxAgeDays: number;
  maxCount: number;
  /** Records deleted per round trip. */
  batch?: number;
  /** When only the leader trims (gateways with leader election): passed before every batch deleted. */
  fence?: Fence;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** One trim: oldest first, by age then by count. Returns how many records went. */
export async function trimHistory(store: HistoryStore, o: RetentionOptions, now = Date.now()): Promise<{ byAge: number; byCount: number }> {
  const batch = o.batch ?? 500;
  const all = store.index.all();
  let byAge = 0;
  const cutoff = now - o.maxAgeDays * 86_400_000;
  for (;;) {
    const ids = await store.redis.zrangebyscore(all, '-inf', `(${cutoff}`, 'LIMIT', 0, batch);
    if (!ids.length) break;
    await o.fence?.();
    byAge += await store.remove(ids.map(Number));
    await new Promise((r) => setImmediate(r));
  }
  let byCount = 0;
  for (;;) {
    const excess = (await store.redis.zcard(all)) - o.maxCount;
    if (excess <= 0) break;
    const ids = await store.redis.zrange(all, 0, String(Math.min(excess, batch) - 1));
    if (!ids.length) break;
    await o.fence?.();
    byCount += await store.remove(ids.map(Number));
    await new Promise((r) => setImmediate(r));
  }
  return { byAge, byCount };
}

/** Runs `trimHistory` every `everyMs` (and soon after start) under a Redis lock. */
export function scheduleRetention(
  store: HistoryStore,
  o: RetentionOptions & { everyMs?: number; log?: Logger },
): { stop(): Promise<void>; runNow(): Promise<void> } {
  const every = o.everyMs ?? 10 * 60_000;
  const lockKey = store.key('trim-lock');
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const once = async () => {
    const token = randomUUID();
    // The lock outlives a crashed trimmer only briefly.
    if ((await store.redis.set(lockKey, token, 'PX', Math.max(60_000, every), 'NX')) !== 'OK') return;
    try {
      const r = await trimHistory(store, o);
      if (r.byAge || r.byCount) o.log?.info(r, 'job history trimmed');
    } finally {
      await store.redis.eval(RELEASE, 1, lockKey, token).catch(() => {});
    }
  };
  const tick = () => {
    if (stopped) return;
    running = running.then(once).catch((err: unknown) => o.log?.warn({ err }, 'job history trim failed'));
  };
  const first = setTimeout(tick, Math.min(5000, every));
  const timer = setInterval(tick, every);
  first.unref();
  timer.unref();
  return {
    async runNow() {
      tick();
      await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
