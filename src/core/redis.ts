import { Redis } from 'ioredis';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** A connection BullMQ workers can share (blocking commands need maxRetriesPerRequest: null). */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Fail fast with one clear line when Redis is not there, instead of retrying forever. */
export async function checkRedis(url: string, timeoutMs = 2000): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  let cause: Error | undefined;
  probe.on('error', (e: Error) => (cause ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    // the 'error' event has the real reason (ECONNREFUSED…); the rejection only says "Connection is closed"
    const reason = (cause ?? (e as Error)).message;
    throw new RedisUnavailableError(`cannot reach Redis at ${url} (${reason}). Start one with \`redis-server --daemonize yes\` or point REDIS_URL at yours.`);
  } finally {
    probe.disconnect();
  }
}
