// Monitor state in Redis (`<prefix>:monitor:state:<service>:<env>`), written only by compare-and-set on
// its version, and the leadership lease (`<prefix>:monitor:leader`): of any number of monitors, one
// watches and announces; should two ever overlap, only one of them wins each transition's write.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisScope } from '../core/scope.js';
import { initialState, type EnvState } from './hysteresis.js';

const CAS = `local v = redis.call('GET', KEYS[1])
local cur = 0
if v then cur = cjson.decode(v).version end
if cur ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class MonitorStore {
  readonly redis: Redis;
  readonly prefix: string;

  constructor(scope: RedisScope) {
    this.redis = scope.connection;
    this.prefix = scope.prefix;
  }

  key(...parts: string[]): string {
    return [this.prefix, 'monitor', ...parts].join(':');
  }

  async get(service: string, env: string, now: number): Promise<EnvState> {
    const raw = await this.redis.get(this.key('state', service, env));
    return raw ? (JSON.parse(raw) as EnvState) : initialState(now);
  }

  /** Write `next` if the stored version is still `next.version`; the stored one becomes version + 1. */
  async compareAndSet(service: string, env: string, next: EnvState): Promise<EnvState | undefined> {
    const stored = { ...next, version: next.version + 1 };
    const ok = Number(await this.redis.eval(CAS, 1, this.key('state', service, env), String(next.version), JSON.stringify(stored)));
    return ok === 1 ? stored : undefined;
  }

  /** Take or keep the lease; false when another instance holds it. */
  async lease(instance: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.key('leader'), instance, String(Math.ceil(ttlMs)))) === 1;
  }

  /** True once per (environment, token): the first to ask announces an upgrade waiting for approval, however many monitors see it. */
  async firstApprovalNotice(service: string, env: string, token: string, ttlSeconds = 30 * 86400): Promise<boolean> {
    const key = this.key('approval', service, env, createHash('sha256').update(token).digest('hex').slice(0, 16));
    return (await this.redis.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async releaseLease(instance: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key('leader'), instance);
  }
}
