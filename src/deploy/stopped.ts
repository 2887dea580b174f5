// Services stopped on purpose (`stop <env>`): what each deployment ran before, so `start` can restore
// it, and who stopped it when (status, and the downtime monitor stays quiet meanwhile).
import type { Redis } from 'ioredis';
import type { RedisScope } from '../core/scope.js';

export interface Stopped {
  user: string;
  since: number;
  jobId: string;
  /** deployment → replicas before the stop. */
  replicas: Record<string, number>;
}

export class StoppedStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(scope: RedisScope) {
    this.redis = scope.connection;
    this.prefix = scope.prefix;
  }

  private key(service: string, env: string): string {
    return [this.prefix, 'deploy', 'stopped', service, env].join(':');
  }

  async get(service: string, env: string): Promise<Stopped | undefined> {
    const raw = await this.redis.get(this.key(service, env));
    return raw ? (JSON.parse(raw) as Stopped) : undefined;
  }

  async set(service: string, env: string, s: Stopped): Promise<void> {
    await this.redis.set(this.key(service, env), JSON.stringify(s));
  }

  async clear(service: string, env: string): Promise<void> {
    await this.redis.del(this.key(service, env));
  }
}
