import type { Redis } from 'ioredis';
import type { RedisScope } from '../core/scope.js';
import type { Command, Identity } from '../core/types.js';
import { actorName } from './store.js';

export interface AuditEntry {
  stage: 'gateway' | 'worker';
  command: Command;
  identity: Identity;
  allowed: boolean;
  reason: string;
  /** An approval: whose change it was, and everyone who has approved it so far (this approver included). */
  requestedBy?: string;
  approvedBy?: string[];
}

/**
 * Every permission decision, allowed or denied, appended to a capped Redis stream (`<prefix>:audit`),
 * for operators (`redis-cli XREVRANGE <prefix>:audit + -`); the job history keeps denied commands itself.
 * `actor` is who acted as the history shows it: the directory user, else the network account, else
 * `nick (no account)` (a nick proves nothing: a nick without an account is never read as that person).
 */
export class AuditLog {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(
    scope: RedisScope,
    private readonly maxEntries = 100_000,
  ) {
    this.redis = scope.connection;
    this.prefix = scope.prefix;
  }

  get key(): string {
    return `${this.prefix}:audit`;
  }

  async record(e: AuditEntry, now = Date.now()): Promise<void> {
    await this.redis.xadd(
      this.key,
      'MAXLEN',
      '~',
      String(this.maxEntries),
      '*',
      'at',
      String(now),
      'stage',
      e.stage,
      'actor',
      actorName(e.identity),
      'network',
      e.identity.network,
      'nick',
      e.identity.nick,
      'account',
      e.identity.account ?? '',
      'user',
      e.identity.user ?? '',
      'groups',
      (e.identity.groups ?? []).join(','),
      'service',
      e.command.service,
      'verb',
      e.command.verb,
      'environment',
      e.command.environment ?? '',
      'args',
      JSON.stringify(e.command.args),
      'requestId',
      e.command.requestId,
      'allowed',
      e.allowed ? '1' : '0',
      'reason',
      e.reason,
      ...(e.requestedBy !== undefined ? ['requestedBy', e.requestedBy] : []),
      ...(e.approvedBy ? ['approvedBy', e.approvedBy.join(',')] : []),
    );
  }
}
