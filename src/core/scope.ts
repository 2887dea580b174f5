import type { RedisConnection } from './redis.js';

/** Where Deckhand's state lives: one Redis connection and a key prefix (tests use a fresh prefix each). */
export interface RedisScope {
  connection: RedisConnection;
  prefix: string;
}

/**
 * The key space of one area (history, maint…) as `<prefix>:{<area>}`: the hash tag keeps every key a
 * multi-key command or Lua script of that area touches in one Redis Cluster slot.
 */
export function areaKey(prefix: string, area: string): string {
  return `${prefix}:{${area}}`;
}

/**
 * The BullMQ prefix of one queue: `<prefix>:{<queue>}`, so that every key of the queue (and every Lua
 * script BullMQ runs on them) sits in one Redis Cluster slot, while different queues may spread over
 * shards. Every BullMQ class of that queue (Queue, Worker, QueueEvents) must use this prefix.
 */
export function bullPrefix(prefix: string, queue: string): string {
  return areaKey(prefix, queue);
}
