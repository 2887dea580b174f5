import type { Config } from '../config/schema.js';
import { DirectoryUnavailableError, NotLoggedInError, PermissionDeniedError, UserError } from '../core/errors.js';
import { LOGIN } from '../core/parts.js';
import type { Command, Identity } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import type { AuditEntry, AuditLog } from '../history/audit.js';
import { decide, describe, requiredGroups } from './policy.js';

export interface LookupOptions {
  /** Read the directory now, not a cache (the check right before a change). */
  fresh?: boolean;
}

/** Network identity → directory user and groups. Throws DirectoryUnavailableError when it cannot tell. */
/** Who a network identity is in the directory: the uid, the groups, and the name and mail a commit carries. */
export interface DirectoryAnswer {
  user: string;
  groups: string[];
  name?: string;
  mail?: string;
}

export interface DirectoryLookup {
  lookup(identity: Identity, options?: LookupOptions): Promise<DirectoryAnswer | null>;
}

export interface Decision {
  allowed: boolean;
  reason: string;
  identity: Identity;
  error?: UserError;
}

/**
 * Every command passes here twice: when the gateway takes it and in the worker right before
 * anything changes. The gateway's check may answer from the directory cache; the worker's reads the
 * directory itself, so a group removed, or a directory that cannot be read at that moment, stops the
 * change (fail closed) even for a user still in the cache. Every decision is recorded in the audit log.
 */
export class Access {
  constructor(
    private readonly config: Config,
    private readonly directory: DirectoryLookup | undefined,
    private readonly audit?: AuditLog,
    private readonly onAuditError?: (err: unknown) => void,
  ) {}

  /**
   * The identity with its directory user and groups filled in from the directory, never from what the
   * identity already carries (groups may have changed since the gateway took the command): without an
   * account or a directory, it has none. `fresh`: from the directory itself, not its cache.
   */
  async identify(identity: Identity, o: LookupOptions = {}): Promise<Identity> {
    const { user: _u, groups: _g, name: _n, mail: _m, ...asked } = identity;
    if (!asked.account || !this.directory) return asked;
    const found = await this.directory.lookup(asked, o);
    return found
      ? { ...asked, user: found.user, groups: found.groups, ...(found.name ? { name: found.name } : {}), ...(found.mail ? { mail: found.mail } : {}) }
      : asked;
  }

  async authorize(identity: Identity, command: Command, spec: VerbSpec, stage: 'gateway' | 'worker' = 'gateway'): Promise<Decision> {
    const decision = await this.evaluate(identity, command, spec, stage === 'worker');
    // Written beside the command, not in front of it; ioredis keeps the order and queues while reconnecting.
    void this.audit
      ?.record({ stage, command, identity: decision.identity, allowed: decision.allowed, reason: decision.reason })
      .catch((err: unknown) => this.onAuditError?.(err));
    return decision;
  }

  /** A decision made outside the verb policy (an approval against the environment's approval groups), into the same audit log. */
  note(e: AuditEntry): void {
    void this.audit?.record(e).catch((err: unknown) => this.onAuditError?.(err));
  }

  private async evaluate(identity: Identity, command: Command, spec: VerbSpec, fresh: boolean): Promise<Decision> {
    if (requiredGroups(this.config, command.service, spec) === 'public') return { allowed: true, reason: 'public verb', identity };
    let who: Identity;
    try {
      who = await this.identify(identity, { fresh });
    } catch (e) {
      if (e instanceof DirectoryUnavailableError) return { allowed: false, reason: 'directory unavailable', identity, error: e };
      throw e;
    }
    const answer = decide(this.config, command, spec, who);
    if (answer.allowed) return { allowed: true, reason: answer.reason, identity: who };
    const error = answer.missing === 'login' ? new NotLoggedInError(describe(command), LOGIN) : new PermissionDeniedError(answer.reason);
    return { allowed: false, reason: answer.reason, identity: who, error };
  }
}
