// The `redis` and `leader` settings for high availability: what the loader accepts, the one clear line
// for what it does not, and checkRedis's line when Sentinel cannot be reached.
import { expect, it } from '@jest/globals';
import { ConfigError } from '../src/config/load.js';
import { checkRedis, RedisUnavailableError } from '../src/core/redis.js';
import { exampleConfig } from './support/config.js';
import { freePort } from './support/redis-ha.js';

const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.lines();
    throw e;
  }
  return [];
};

it('accepts Sentinel (sentinels + name), Cluster (nodes) and a leader section with defaults', () => {
  const s = exampleConfig({ redis: { url: 'redis://:pw@x:6379', prefix: 'd', sentinels: [{ host: 's0', port: 26379 }], name: 'mymaster' } });
  expect(s.redis).toMatchObject({ sentinels: [{ host: 's0', port: 26379 }], name: 'mymaster' });
  const c = exampleConfig({ redis: { url: 'redis://x:6379', prefix: 'd', cluster: [{ host: 'r0', port: 6379 }] } });
  expect(c.redis.cluster).toEqual([{ host: 'r0', port: 6379 }]);
  expect(exampleConfig({ leader: {} }).leader).toEqual({ backend: 'redis', name: 'deckhand-gateway', leaseMs: 10000, renewMs: 2000, retryMs: 1000 });
});

it('says in one line each what is wrong', () => {
  const sentinel = problems(() => exampleConfig({ redis: { url: 'redis://x', prefix: 'd', sentinels: [{ host: 's0', port: 26379 }] } }));
  expect(sentinel.some((l) => /redis\.name.*master name/.test(l))).toBe(true);
  const both = problems(() =>
    exampleConfig({ redis: { url: 'redis://x', prefix: 'd', sentinels: [{ host: 's', port: 1 }], name: 'm', cluster: [{ host: 'c', port: 2 }] } }),
  );
  expect(both.some((l) => /either redis\.sentinels or redis\.cluster/.test(l))).toBe(true);
  const backend = problems(() => exampleConfig({ leader: { backend: 'zookeeper' } }));
  expect(backend.some((l) => /leader\.backend/.test(l))).toBe(true);
});

it('names the sentinels and the master when none answers', async () => {
  const port = await freePort();
  await expect(checkRedis({ url: 'redis://127.0.0.1:6379', sentinels: [{ host: '127.0.0.1', port }], name: 'mymaster' }, 1000)).rejects.toThrow(
    RedisUnavailableError,
  );
  await expect(checkRedis({ url: 'redis://127.0.0.1:6379', sentinels: [{ host: '127.0.0.1', port }], name: 'mymaster' }, 1000)).rejects.toThrow(
    new RegExp(`the Redis master "mymaster" through the sentinels 127\\.0\\.0\\.1:${port}`),
  );
});
