import { Cluster, Redis, type RedisOptions } from 'ioredis';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * A connection to a single Redis, a Sentinel-monitored master, or a Redis Cluster. A Cluster is handed
 * around typed as a Redis: the commands Deckhand uses are the same on both (ioredis' Commander), and
 * BullMQ tells the two apart at run time. What a Cluster cannot do (SCAN of every node) is not used.
 */
export type RedisConnection = Redis;

/** Where Redis is: a URL, Sentinel (sentinels + master name) or Cluster seed nodes (config `redis`). */
export interface RedisSettings {
  url: string;
  sentinels?: { host: string; port: number }[] | undefined;
  name?: string | undefined;
  cluster?: { host: string; port: number }[] | undefined;
}

const settingsOf = (s: string | RedisSettings): RedisSettings => (typeof s === 'string' ? { url: s } : s);

/** Options from the URL (password, db, TLS) that carry over to Sentinel's master and to Cluster nodes. */
function urlOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = Number(u.pathname.slice(1)) || 0;
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function connect(s: RedisSettings, extra: RedisOptions): RedisConnection {
  if (s.cluster) {
    const { db: _db, ...node } = { ...urlOptions(s.url), ...extra };
    const cluster = new Cluster(s.cluster, { redisOptions: node, enableOfflineQueue: extra.enableOfflineQueue ?? true, enableReadyCheck: true });
    return cluster as unknown as Redis;
  }
  if (s.sentinels) return new Redis({ ...urlOptions(s.url), ...extra, sentinels: s.sentinels, name: s.name! });
  return new Redis(s.url, extra);
}

/** A connection BullMQ workers can share (blocking commands need maxRetriesPerRequest: null). */
export function createRedis(settings: string | RedisSettings): RedisConnection {
  return connect(settingsOf(settings), { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/**
 * A connection that fails at once while Redis is unreachable, instead of queueing commands until it
 * comes back: what a gateway uses to take a command, so the asker hears "unreachable" within seconds
 * and nothing is recorded later behind their back.
 */
export function createFailFastRedis(settings: string | RedisSettings, commandTimeoutMs = 2000): RedisConnection {
  return connect(settingsOf(settings), { maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: true, commandTimeout: commandTimeoutMs });
}

/** What an asker hears while Redis is unreachable (nothing of the command was recorded). */
export const QUEUE_UNREACHABLE = 'the job queue is unreachable, try again in a moment';

/** Did this error come from Redis being unreachable (not from a command Redis refused)? */
export function isRedisUnreachable(e: unknown): boolean {
  const m = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|MaxRetriesPerRequest|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|CLUSTERDOWN|LOADING|All sentinels are unreachable|Failed to refresh slots cache/i.test(
    m,
  );
}

/** Fail fast with one clear line when Redis is not there, instead of retrying forever. */
export async function checkRedis(settings: string | RedisSettings, timeoutMs = 2000): Promise<void> {
  const s = settingsOf(settings);
  const where = s.cluster
    ? `the Redis Cluster at ${s.cluster.map((n) => `${n.host}:${n.port}`).join(', ')}`
    : s.sentinels
      ? `the Redis master "${s.name}" through the sentinels ${s.sentinels.map((n) => `${n.host}:${n.port}`).join(', ')}`
      : `Redis at ${s.url}`;
  const probe = s.cluster
    ? new Cluster(s.cluster, {
        lazyConnect: true,
        clusterRetryStrategy: () => null,
        redisOptions: { ...urlOptions(s.url), connectTimeout: timeoutMs, maxRetriesPerRequest: 0 },
      })
    : s.sentinels
      ? new Redis({
          ...urlOptions(s.url),
          sentinels: s.sentinels,
          name: s.name!,
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          connectTimeout: timeoutMs,
          sentinelRetryStrategy: () => null,
          retryStrategy: () => null,
        })
      : new Redis(s.url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  let cause: Error | undefined;
  probe.on('error', (e: Error) => (cause ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    // the 'error' event has the real reason (ECONNREFUSED…); the rejection only says "Connection is closed"
    const reason = (cause ?? (e as Error)).message;
    throw new RedisUnavailableError(`cannot reach ${where} (${reason}). Start one with \`redis-server --daemonize yes\` or point REDIS_URL at yours.`);
  } finally {
    probe.disconnect();
  }
}
