// Key names moved for Redis Cluster (issue 16): `<prefix>:history:…` → `<prefix>:{history}:…`,
// `<prefix>:maint:…` → `<prefix>:{maint}:…`, and the command queue's id counter under its hash tag.
// Run once at start on a single Redis (a Cluster is new, with nothing in the old layout): each old key is
// renamed unless its new name exists already (RENAMENX keeps the TTL); two processes starting at once
// may both try, which is harmless.
import type { RedisConnection } from './redis.js';
import { areaKey, bullPrefix } from './scope.js';

const AREAS = ['history', 'maint'];

export async function moveToTaggedKeys(redis: RedisConnection, prefix: string): Promise<number> {
  if ((redis as unknown as { isCluster?: boolean }).isCluster) return 0;
  // done once per deployment: later starts do not scan again
  const done = `${areaKey(prefix, 'layout')}:tagged`;
  if (await redis.exists(done)) return 0;
  let moved = 0;
  for (const area of AREAS) {
    const old = `${prefix}:${area}:`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${old}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        const ok = await redis.renamenx(k, `${areaKey(prefix, area)}:${k.slice(old.length)}`).catch(() => 0);
        moved += Number(ok);
      }
    } while (cursor !== '0');
  }
  // BullMQ's id counter of the command queue: job (and history) numbers go on from where they were
  const oldCounter = await redis.get(`${prefix}:commands:id`);
  if (oldCounter !== null) {
    const key = `${bullPrefix(prefix, 'commands')}:commands:id`;
    await redis.eval(
      `if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 1`,
      1,
      key,
      oldCounter,
    );
  }
  await redis.set(done, String(Date.now()));
  return moved;
}
