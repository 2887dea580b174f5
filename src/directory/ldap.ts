// The directory (LDAP) client: users by uid or mail, and the groupOfNames groups a user is a member of.
//
// - Bound as the read-only service account; one connection is reused by every call (and by concurrent
//   calls: LDAP multiplexes requests by message id) and replaced after any error.
// - Every public call finishes within `timeoutMs` (connect + StartTLS + bind + search), or throws
//   DirectoryUnavailableError; the connection it was using is torn down so the next call starts clean.
// - Values from users never become filter text: filters are ldapts Filter objects (EqualityFilter etc.),
//   whose values travel as BER octet strings, so "*", "(", ")", "\" and NUL are just bytes of a value.
//   The operator's `groupFilter` is parsed once at construction and ANDed with the member filter.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { AndFilter, Client, EqualityFilter, FilterParser, InvalidCredentialsError, PresenceFilter, type Entry, type Filter } from 'ldapts';
import type { LdapConfig } from '../config/schema.js';
import { DirectoryUnavailableError } from '../core/errors.js';

export interface DirectoryUser {
  dn: string;
  uid: string;
  cn?: string;
  mail?: string;
}

/** What the identity resolver needs from a directory. */
export interface Directory {
  findUserByUid(uid: string): Promise<DirectoryUser | null>;
  findUserByMail(mail: string): Promise<DirectoryUser | null>;
  /** cn of every group (matching the configured groupFilter) whose member attribute is userDn, sorted. */
  groupsOf(userDn: string): Promise<string[]>;
}

/**
 * The directory rejected the service account's credentials (LDAP result 49). Still a
 * DirectoryUnavailableError, so users just see "directory unavailable, try again", but distinct so that
 * start-up checks and logs can say "fix LDAP password" instead of "LDAP is down".
 */
export class DirectoryCredentialsError extends DirectoryUnavailableError {
  override name = 'DirectoryCredentialsError';
}

export interface LdapDirectoryOptions {
  /** The service account's password; default: the environment variable named by config.bindPasswordEnv. */
  password?: string;
  /** Environment to read bindPasswordEnv from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** TLS options for ldaps:// and StartTLS (e.g. `ca` for a private CA). */
  tlsOptions?: tls.ConnectionOptions;
  /**
   * After the service account is rejected, fail fast for this long instead of binding again (default
   * 30 s): a bad password retried on every chat message can lock the account out (ppolicy).
   */
  credentialsRetryMs?: number;
  /** Called with the underlying error whenever a call fails (for logs); never shown to users. */
  onError?: (err: unknown) => void;
}

export interface LdapStats {
  /** TCP (or TLS) connections opened. */
  connects: number;
  /** Bind requests sent. */
  binds: number;
  /** Search requests sent. */
  searches: number;
  /** Public calls that failed with DirectoryUnavailableError. */
  failures: number;
}

const MAX_VALUE_LENGTH = 512;

export class LdapDirectory implements Directory {
  readonly stats: LdapStats = { connects: 0, binds: 0, searches: 0, failures: 0 };

  private readonly password: string;
  private readonly groupFilter: Filter;
  private readonly userBase: string;
  private readonly groupBase: string;
  private readonly host: string;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private readonly credentialsRetryMs: number;
  private readonly onError: ((err: unknown) => void) | undefined;

  private client: Client | undefined;
  /** Per connection: false once its socket (plain or TLS) has closed. */
  private readonly sockets = new WeakMap<Client, { open: boolean }>();
  private connecting: Promise<Client> | undefined;
  /** Bumped by every reset: a connection that finishes after a reset is thrown away, not used. */
  private generation = 0;
  private credentialsRejectedAt: number | undefined;
  private closed = false;

  private readonly config: LdapConfig;

  constructor(config: LdapConfig, options: LdapDirectoryOptions = {}) {
    this.config = config;
    const password = options.password ?? (options.env ?? process.env)[config.bindPasswordEnv];
    // An empty password makes a simple bind "unauthenticated" (RFC 4513 5.1.2): never send one.
    if (!password) throw new Error(`ldap: the service account password is missing (set ${config.bindPasswordEnv})`);
    this.password = password;

    const url = new URL(config.url);
    if (config.startTls && url.protocol === 'ldaps:') throw new Error('ldap: startTls makes no sense with an ldaps:// url');
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');

    try {
      this.groupFilter = FilterParser.parseString(config.groupFilter);
    } catch (err) {
      throw new Error(`ldap.groupFilter: ${(err as Error).message}`);
    }
    this.userBase = config.userBase ?? config.base;
    this.groupBase = config.groupBase ?? config.base;
    this.tlsOptions = options.tlsOptions;
    this.credentialsRetryMs = options.credentialsRetryMs ?? 30_000;
    this.onError = options.onError;
  }

  async findUserByUid(uid: string): Promise<DirectoryUser | null> {
    if (!usable(uid)) return null;
    const user = await this.findUser(new EqualityFilter({ attribute: this.config.userAttribute, value: uid }), undefined, uid);
    // The server's matching rule folds more than case (leading/trailing/double spaces, Unicode
    // compatibility forms): " alice" or a full-width "ａｌｉｃｅ" would find alice. Accept only a
    // uid that equals the one asked for, ignoring ASCII case.
    return user && sameText(user.uid, uid) ? user : null;
  }

  async findUserByMail(mail: string): Promise<DirectoryUser | null> {
    if (!usable(mail)) return null;
    const user = await this.findUser(new EqualityFilter({ attribute: this.config.mailAttribute, value: mail }), mail);
    // As for uids: only a mail value that equals the one asked for (findUser put it first).
    return user?.mail !== undefined && sameText(user.mail, mail) ? user : null;
  }

  async groupsOf(userDn: string): Promise<string[]> {
    if (!usable(userDn)) return [];
    const filter = new AndFilter({
      filters: [this.groupFilter, new EqualityFilter({ attribute: this.config.memberAttribute, value: userDn })],
    });
    const entries = await this.search(this.groupBase, filter, ['cn'], 0);
    const names = new Set<string>();
    for (const entry of entries) {
      const name = groupName(entry);
      if (name) names.add(name);
    }
    return [...names].sort();
  }

  /** Connect and bind now (start-up check); throws DirectoryCredentialsError / DirectoryUnavailableError. */
  async check(): Promise<void> {
    await this.run(async () => undefined);
  }

  /** Unbind and refuse further calls. */
  async close(): Promise<void> {
    this.closed = true;
    await this.reset();
  }

  private async findUser(match: Filter, preferMail?: string, preferUid?: string): Promise<DirectoryUser | null> {
    const { userAttribute, mailAttribute } = this.config;
    // The user attribute must be present: the service account or a group with a matching mail is no user.
    const filter = new AndFilter({ filters: [match, new PresenceFilter({ attribute: userAttribute })] });
    const entries = await this.search(this.userBase, filter, [userAttribute, 'cn', mailAttribute], 2);
    // Two entries for one uid or mail: ambiguous, so nobody (never "the first one").
    if (entries.length !== 1) return null;
    const entry = entries[0]!;
    const uids = values(entry, userAttribute);
    const uid = uids.find((u) => preferUid !== undefined && sameText(u, preferUid)) ?? uids[0];
    if (!uid) return null;
    const user: DirectoryUser = { dn: entry.dn, uid };
    const cn = first(entry, 'cn');
    if (cn !== undefined) user.cn = cn;
    // With several mail values, report the one asked about.
    const mails = values(entry, mailAttribute);
    const mail = mails.find((m) => preferMail !== undefined && sameText(m, preferMail)) ?? mails[0];
    if (mail !== undefined) user.mail = mail;
    return user;
  }

  private async search(base: string, filter: Filter, attributes: string[], sizeLimit: number): Promise<Entry[]> {
    return this.run(async (client) => {
      this.stats.searches++;
      const { searchEntries } = await client.search(base, { scope: 'sub', filter, attributes, sizeLimit });
      return searchEntries;
    });
  }

  /** Run one call on the bound connection, within timeoutMs, mapping every failure to DirectoryUnavailableError. */
  private async run<T>(op: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw this.fail(new Error('ldap: directory client closed'));
    if (this.credentialsRejectedAt !== undefined && Date.now() - this.credentialsRejectedAt < this.credentialsRetryMs) {
      throw this.fail(new Error('ldap: service account credentials were rejected recently'), true);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ldap: no answer within ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
    });
    const work = (async () => {
      const client = await this.session();
      // ldapts reconnects a closed socket by itself, unauthenticated: with "by * none" ACLs an anonymous
      // search just finds nothing, which would read as "no such user". Only ever search while bound; the
      // check and the search() call below happen in the same tick.
      if (!this.usable(client)) throw new Error('ldap: connection lost its bind');
      return op(client);
    })();
    work.catch(() => undefined); // may settle after the deadline; the deadline's error is the one reported
    try {
      return await Promise.race([work, deadline]);
    } catch (err) {
      await this.reset();
      if (err instanceof InvalidCredentialsError) {
        this.credentialsRejectedAt = Date.now();
        throw this.fail(err, true);
      }
      throw this.fail(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(cause: unknown, credentials = false): DirectoryUnavailableError {
    this.stats.failures++;
    this.onError?.(cause);
    const err = credentials ? new DirectoryCredentialsError() : new DirectoryUnavailableError();
    err.cause = cause;
    return err;
  }

  /** The bound connection, opening one if needed; concurrent callers share one connect+bind. */
  private async session(): Promise<Client> {
    if (this.client && this.usable(this.client)) return this.client;
    if (this.connecting) return this.connecting;
    const generation = ++this.generation;
    const stale = this.client;
    this.client = undefined;
    if (stale) void stale.unbind().catch(() => undefined);

    const connecting = (async () => {
      const { url, timeoutMs, startTls, bindDn } = this.config;
      const secure = url.startsWith('ldaps:');
      // ldapts 8 does not notice when a StartTLS-upgraded connection closes (it watches the plain socket
      // only by identity): it would keep writing to it until the timeout. Watch every socket ourselves.
      const state = { open: true };
      const watch = <S extends net.Socket>(socket: S): S => {
        socket.once('close', () => (state.open = false));
        return socket;
      };
      const client = new Client({
        url,
        timeout: timeoutMs,
        connectTimeout: timeoutMs,
        // Only for ldaps://: ldapts treats any tlsOptions as "connect with TLS", even on an ldap:// url.
        ...(secure && this.tlsOptions ? { tlsOptions: this.tlsOptions } : {}),
        createConnection: ((...args: unknown[]) => watch((net.connect as (...a: unknown[]) => net.Socket)(...args))) as typeof net.connect,
        createSecureConnection: ((...args: unknown[]) => watch((tls.connect as (...a: unknown[]) => tls.TLSSocket)(...args))) as typeof tls.connect,
      });
      this.sockets.set(client, state);
      try {
        this.stats.connects++;
        if (startTls) {
          // tls.connect over the existing socket needs the host for certificate checks (it would
          // otherwise check against "localhost"); SNI takes names only, not IP addresses.
          await client.startTLS({
            ...this.tlsOptions,
            host: this.host,
            ...(net.isIP(this.host) ? {} : { servername: this.host }),
          });
        }
        this.stats.binds++;
        await client.bind(bindDn, this.password);
      } catch (err) {
        // A failed bind (or StartTLS) leaves ldapts's socket open: always close it.
        await client.unbind().catch(() => undefined);
        throw err;
      }
      if (generation !== this.generation || this.closed) {
        await client.unbind().catch(() => undefined);
        throw new Error('ldap: connection was reset while binding');
      }
      this.credentialsRejectedAt = undefined;
      this.client = client;
      return client;
    })();
    this.connecting = connecting;
    try {
      return await connecting;
    } finally {
      if (this.connecting === connecting) this.connecting = undefined;
    }
  }

  private usable(client: Client): boolean {
    return client.isBound && this.sockets.get(client)?.open === true;
  }

  /** Drop the connection (after an error or a timeout): the next call opens a fresh one. */
  private async reset(): Promise<void> {
    this.generation++;
    this.connecting = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await client.unbind().catch(() => undefined);
  }
}

function usable(value: string): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_VALUE_LENGTH;
}

/** Equal ignoring ASCII case only (no Unicode folding: that is what the check guards against). */
function sameText(a: string, b: string): boolean {
  return a.length === b.length && a.replace(/[A-Z]/g, (c) => c.toLowerCase()) === b.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function values(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k !== 'dn' && k.toLowerCase() === attribute.toLowerCase());
  if (key === undefined) return [];
  const raw = entry[key];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

function first(entry: Entry, attribute: string): string | undefined {
  return values(entry, attribute)[0];
}

/** The group's name: its cn; with several cn values, the one in the RDN (cn=<name>,ou=groups,…). */
function groupName(entry: Entry): string | undefined {
  const cns = values(entry, 'cn');
  if (cns.length <= 1) return cns[0];
  const dn = entry.dn.toLowerCase();
  return cns.find((cn) => dn.startsWith(`cn=${cn.toLowerCase()},`)) ?? cns[0];
}
