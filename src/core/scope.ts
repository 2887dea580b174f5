import type { Redis } from 'ioredis';

/** Where Deckhand's state lives: one Redis connection and a key prefix (tests use a fresh prefix each). */
export interface RedisScope {
  connection: Redis;
  prefix: string;
}
