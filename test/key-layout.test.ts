// A deployment from before the Redis Cluster key layout keeps its job history, maintenance windows and
// job numbers: at start the old keys move under their hash tags (TTL kept), once.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { moveToTaggedKeys } from '../src/core/key-layout.js';
import { HistoryStore } from '../src/history/store.js';
import { MaintenanceStore } from '../src/maintenance/store.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';

const prefix = freshPrefix('layout');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

it('moves the old history, maintenance keys and job counter, keeping TTLs, and only once', async () => {
  // the old layout, as a release before it wrote it
  const now = Date.now();
  await redis.hset(`${prefix}:history:job:41`, {
    id: '41',
    kind: 'status',
    verb: 'status',
    service: 'superset',
    args: '[]',
    requestId: 'r41',
    network: 'irc',
    nick: 'alice',
    account: 'alice',
    channel: '#analytics',
    queuedAt: String(now),
    status: 'succeeded',
    summary: 'superset: 4/4 ready',
  });
  await redis.zadd(`${prefix}:history:idx:all`, now, '41');
  await redis.zadd(`${prefix}:history:idx:status:succeeded`, now, '41');
  const w = { id: 3, service: 'superset', start: now + 3600_000, end: now + 7200_000, reason: 'DB upgrade', state: 'scheduled', extensions: 0, createdAt: now };
  await redis.set(`${prefix}:maint:window:3`, JSON.stringify(w), 'PX', 9_000_000);
  await redis.zadd(`${prefix}:maint:windows`, w.end, '3');
  await redis.set(`${prefix}:maint:seq`, '3');
  await redis.set(`${prefix}:commands:id`, '41');

  expect(await moveToTaggedKeys(redis, prefix)).toBe(6);
  const history = new HistoryStore({ connection: redis, prefix });
  expect(await history.count()).toBe(1);
  expect((await history.query({ limit: 5 }))[0]).toMatchObject({ id: 41, status: 'succeeded', summary: 'superset: 4/4 ready' });
  // the next job number goes on from 41
  expect(Number(await redis.get(history.idKey))).toBe(41);
  const maint = new MaintenanceStore({ connection: redis, prefix });
  expect((await maint.get(3))?.reason).toBe('DB upgrade');
  expect(await redis.pttl(`${prefix}:{maint}:window:3`)).toBeGreaterThan(8_000_000);
  expect(await redis.exists(`${prefix}:history:job:41`, `${prefix}:maint:window:3`)).toBe(0);

  // a second start does nothing
  await redis.set(`${prefix}:history:job:99`, 'x');
  expect(await moveToTaggedKeys(redis, prefix)).toBe(0);
});
