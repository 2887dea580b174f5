// Who is this chat user in the directory, and which groups are they in?
//
// IRC: the services account (never the nick) → uid (the account itself, or accountMap[account]).
// Slack: user id → e-mail (a callback the Slack adapter provides, users.info) → the entry with that mail.
// Then the user's groups. Each step is cached (bounded, TTL); failures are never cached, so an
// unavailable directory throws DirectoryUnavailableError instead of reading as "nobody" / "no groups".
// `{ fresh: true }` (the check right before a change) reads the directory for the user and the groups,
// never the cache, and stores what it read; only the Slack user → e-mail step (Slack's, not the
// directory's) may still come from the cache.

import type { LdapConfig } from '../config/schema.js';
import { LookupCache } from './cache.js';
import type { Directory, DirectoryUser } from './ldap.js';

export interface DirectoryIdentity {
  /** The directory uid (shell name). */
  user: string;
  dn: string;
  /** Wiki (developer account) name. */
  cn?: string;
  mail?: string;
  /** Group cns, sorted. */
  groups: string[];
}

export interface IdentityResolverOptions {
  /** IRC account → directory uid, when they differ. */
  accountMap?: Record<string, string>;
  /** Lifetime of cached look-ups (default 60). */
  cacheTtlSeconds?: number;
  /** Entries per cache (users by uid, users by mail, groups, Slack e-mails; default 1000). */
  cacheMax?: number;
  /** Lifetime of "not found" answers, ms (default min(cacheTtlSeconds, 10 s)). */
  negativeTtlMs?: number;
  /** Clock for the caches (tests). */
  now?: () => number;
}

export interface ResolveOptions {
  /** Read the directory now instead of the cache (and refresh the cache with the answer). */
  fresh?: boolean;
}

export class IdentityResolver {
  private readonly accountMap: ReadonlyMap<string, string>;
  private readonly byUid: LookupCache<DirectoryUser | null>;
  private readonly byMail: LookupCache<DirectoryUser | null>;
  private readonly groups: LookupCache<readonly string[]>;
  private readonly slackMail: LookupCache<string | null>;

  private readonly directory: Directory;

  constructor(directory: Directory, options: IdentityResolverOptions | Pick<LdapConfig, 'accountMap' | 'cacheTtlSeconds' | 'cacheMax'> = {}) {
    this.directory = directory;
    // A Map, not the config object: accountMap["constructor"] must not find Object.prototype.constructor.
    const map = new Map<string, string>();
    for (const [account, uid] of Object.entries(options.accountMap ?? {})) map.set(account.toLowerCase(), uid);
    this.accountMap = map;
    const extra = options as IdentityResolverOptions;
    const common = {
      max: options.cacheMax ?? 1000,
      ttlMs: (options.cacheTtlSeconds ?? 60) * 1000,
      ...(extra.negativeTtlMs !== undefined ? { negativeTtlMs: extra.negativeTtlMs } : {}),
      ...(extra.now ? { now: extra.now } : {}),
    };
    this.byUid = new LookupCache(common);
    this.byMail = new LookupCache(common);
    this.groups = new LookupCache(common);
    this.slackMail = new LookupCache(common);
  }

  /** The directory uid an IRC account maps to (accountMap, else the account itself); undefined without an account. */
  uidForIrc(account: string | undefined): string | undefined {
    if (!account) return undefined;
    return this.accountMap.get(account.toLowerCase()) ?? account;
  }

  /** No account (not logged in to services) → null; unknown uid → null. */
  async resolveIrc(account: string | undefined, o: ResolveOptions = {}): Promise<DirectoryIdentity | null> {
    const uid = this.uidForIrc(account);
    if (uid === undefined) return null;
    const user = await read(this.byUid, o, uid.toLowerCase(), () => this.directory.findUserByUid(uid));
    return user ? this.withGroups(user, o) : null;
  }

  /** Slack user id → e-mail (via lookupEmail, cached) → directory user with that mail; none → null. */
  async resolveSlack(userId: string, lookupEmail: (userId: string) => Promise<string | undefined>, o: ResolveOptions = {}): Promise<DirectoryIdentity | null> {
    if (!userId) return null;
    const mail = await this.slackMail.get(userId, async () => (await lookupEmail(userId)) || null);
    if (!mail) return null;
    const user = await read(this.byMail, o, mail.toLowerCase(), () => this.directory.findUserByMail(mail));
    return user ? this.withGroups(user, o) : null;
  }

  /** Forget everything cached (e.g. after a group change announced by an operator). */
  clear(): void {
    this.byUid.clear();
    this.byMail.clear();
    this.groups.clear();
    this.slackMail.clear();
  }

  /** Cache counters, for tests and metrics. */
  get cacheStats(): Record<'byUid' | 'byMail' | 'groups' | 'slackMail', LookupCache<unknown>['stats']> {
    return { byUid: this.byUid.stats, byMail: this.byMail.stats, groups: this.groups.stats, slackMail: this.slackMail.stats };
  }

  private async withGroups(user: DirectoryUser, o: ResolveOptions): Promise<DirectoryIdentity> {
    const groups = await read(this.groups, o, user.dn.toLowerCase(), async () => Object.freeze(await this.directory.groupsOf(user.dn)));
    const identity: DirectoryIdentity = { user: user.uid, dn: user.dn, groups: [...groups] };
    if (user.cn !== undefined) identity.cn = user.cn;
    if (user.mail !== undefined) identity.mail = user.mail;
    return identity;
  }
}

function read<V>(cache: LookupCache<V>, o: ResolveOptions, key: string, load: () => Promise<V>): Promise<V> {
  return o.fresh ? cache.refresh(key, load) : cache.get(key, load);
}
