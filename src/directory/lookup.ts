import type { DirectoryAnswer, DirectoryLookup, LookupOptions } from '../auth/access.js';
import type { Identity } from '../core/types.js';
import type { IdentityResolver } from './identity.js';

/** E-mail of a network user (Slack: users.info), for networks whose accounts are not directory uids. */
export type EmailLookup = (userId: string) => Promise<string | undefined>;

/**
 * Network identity → directory user, per network: IRC (and the console) by services account,
 * Slack by the user's e-mail. Networks without a way to map give nobody.
 */
export class NetworkDirectory implements DirectoryLookup {
  private readonly emailLookups = new Map<string, EmailLookup>();

  constructor(private readonly resolver: IdentityResolver) {}

  /** Networks that identify by e-mail (the Slack adapter registers itself here). */
  useEmailLookup(network: string, lookup: EmailLookup): void {
    this.emailLookups.set(network, lookup);
  }

  async lookup(identity: Identity, o: LookupOptions = {}): Promise<DirectoryAnswer | null> {
    if (!identity.account) return null;
    const byEmail = this.emailLookups.get(identity.network);
    const fresh = { fresh: !!o.fresh };
    const found = byEmail ? await this.resolver.resolveSlack(identity.account, byEmail, fresh) : await this.resolver.resolveIrc(identity.account, fresh);
    return found ? { user: found.user, groups: found.groups, ...(found.cn ? { name: found.cn } : {}), ...(found.mail ? { mail: found.mail } : {}) } : null;
  }
}
