// A fenced Redis lease: SET NX PX, with a fencing token from a counter that only grows. The lease's value
// is "<holder>|<token>"; a renewal, a release and the fencing check compare the whole value in a Lua
// script, so a holder whose lease ran out and was taken over can neither renew it nor pass the check.
// Both keys share a hash tag (one Redis Cluster slot).
import type { RedisConnection } from '../core/redis.js';
import { areaKey } from '../core/scope.js';
import type { LeaseBackend } from './elector.js';

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder, tok = string.match(cur, '^(.*)|(%d+)$')
  if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return tonumber(tok) end
  return 0
end
local tok = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. tok, 'PX', ARGV[2])
return tok
`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const CHECK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class RedisLease implements LeaseBackend {
  readonly key: string;
  readonly tokenKey: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    name: string,
  ) {
    this.key = `${areaKey(prefix, 'leader')}:${name}`;
    this.tokenKey = `${this.key}:token`;
  }

  get describe(): string {
    return `redis ${this.key}`;
  }

  async acquire(identity: string, leaseMs: number): Promise<number | undefined> {
    const token = Number(await this.redis.eval(ACQUIRE, 2, this.key, this.tokenKey, identity, String(leaseMs)));
    return token > 0 ? token : undefined;
  }

  async renew(identity: string, token: number, leaseMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.key, `${identity}|${token}`, String(leaseMs))) === 1;
  }

  async check(identity: string, token: number): Promise<boolean> {
    return Number(await this.redis.eval(CHECK, 1, this.key, `${identity}|${token}`)) === 1;
  }

  async release(identity: string, token: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, `${identity}|${token}`);
  }
}
