// The directory client, cache and identity resolver against a real slapd (test/support/slapd.ts)
// loaded with test/fixtures/directory.ldif.

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Attribute, Change, Client } from 'ldapts';
import type { LdapConfig } from '../src/config/schema.js';
import { LookupCache } from '../src/directory/cache.js';
import { IdentityResolver } from '../src/directory/identity.js';
import { LdapDirectory } from '../src/directory/ldap.js';
import { ldapConfigFor } from './support/directory.js';
import { startSlapd, type Slapd } from './support/slapd.js';

const PEOPLE = 'ou=people,dc=wikimedia,dc=org';
const dn = (uid: string): string => `uid=${uid},${PEOPLE}`;

let slapd: Slapd;
let directory: LdapDirectory;
const opened: LdapDirectory[] = [];

function ldapConfig(overrides: Partial<LdapConfig> = {}): LdapConfig {
  return ldapConfigFor(slapd, { bindPasswordEnv: 'DECKHAND_TEST_LDAP_PASSWORD', timeoutMs: 2000, ...overrides });
}

function open(overrides: Partial<LdapConfig> = {}): LdapDirectory {
  const d = new LdapDirectory(ldapConfig(overrides), { password: slapd.bindPassword });
  opened.push(d);
  return d;
}

beforeAll(async () => {
  slapd = await startSlapd();
  directory = open();
});

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await slapd?.close();
});

describe('users and groups', () => {
  const resolver = (): IdentityResolver => new IdentityResolver(directory, { cacheTtlSeconds: 0 });

  test.each([
    ['alice', 'Alice Example', 'alice@wikimedia.org', ['superset-admins', 'wmf']],
    ['bob', 'BobTheBuilder', 'bob@wikimedia.org', ['nda', 'wmf']],
    ['mallory', 'Mallory', 'mallory@example.org', []],
    ['carol', 'Carol Ops', 'carol@wikimedia.org', ['airflow-search-ops', 'ops']],
  ])('%s resolves to exactly their entry and groups', async (uid, cn, mail, groups) => {
    await expect(resolver().resolveIrc(uid)).resolves.toEqual({ user: uid, dn: dn(uid), cn, mail, groups });
  });

  test('look-ups by uid are case-insensitive and return the canonical uid', async () => {
    await expect(directory.findUserByUid('ALICE')).resolves.toMatchObject({ uid: 'alice', dn: dn('alice') });
  });

  test('mail look-up, any of several mail values, case-insensitively', async () => {
    await expect(directory.findUserByMail('bob@wikimedia.org')).resolves.toEqual({
      dn: dn('bob'),
      uid: 'bob',
      cn: 'BobTheBuilder',
      mail: 'bob@wikimedia.org',
    });
    await expect(directory.findUserByMail('Carol.Ops@Wikimedia.org')).resolves.toEqual({
      dn: dn('carol'),
      uid: 'carol',
      cn: 'Carol Ops',
      mail: 'carol.ops@wikimedia.org',
    });
  });

  test('unknown users, empty values, a mail shared by two entries: nobody', async () => {
    await expect(directory.findUserByUid('nobody')).resolves.toBeNull();
    await expect(directory.findUserByUid('')).resolves.toBeNull();
    await expect(directory.findUserByMail('nobody@wikimedia.org')).resolves.toBeNull();
    await expect(directory.findUserByMail('')).resolves.toBeNull();
    await expect(directory.findUserByMail('shared@example.org')).resolves.toBeNull();
    await expect(directory.groupsOf(dn('nobody'))).resolves.toEqual([]);
  });

  test('the service account and groups are not users', async () => {
    await expect(directory.findUserByUid('chatops')).resolves.toBeNull();
    await expect(directory.findUserByUid('wmf')).resolves.toBeNull();
  });

  test('groupsOf takes any spelling of the DN and returns sorted cns', async () => {
    await expect(directory.groupsOf('UID=Carol, OU=People, DC=Wikimedia, DC=Org')).resolves.toEqual(['airflow-search-ops', 'ops']);
  });

  test('the configured groupFilter is ANDed with the member filter', async () => {
    const d = open({ groupFilter: '(&(objectClass=posixGroup)(!(cn=wmf)))' });
    await expect(d.groupsOf(dn('alice'))).resolves.toEqual(['superset-admins']);
    await expect(d.groupsOf(dn('bob'))).resolves.toEqual(['nda']);
    const unwrapped = open({ groupFilter: 'cn=ops' }); // RFC 4515 allows the outer parentheses to be left off
    await expect(unwrapped.groupsOf(dn('carol'))).resolves.toEqual(['ops']);
    await expect(unwrapped.groupsOf(dn('alice'))).resolves.toEqual([]);
  });

  test('groupBase and userBase narrow the searches', async () => {
    const d = open({ userBase: 'ou=groups,dc=wikimedia,dc=org', groupBase: 'ou=people,dc=wikimedia,dc=org' });
    await expect(d.findUserByUid('alice')).resolves.toBeNull();
    await expect(d.groupsOf(dn('alice'))).resolves.toEqual([]);
  });

  test('a broken groupFilter or a missing password is a start-up error', () => {
    expect(() => open({ groupFilter: '(cn=ops' })).toThrow(/groupFilter/);
    expect(() => new LdapDirectory(ldapConfig(), { env: {} })).toThrow(/DECKHAND_TEST_LDAP_PASSWORD/);
    expect(() => new LdapDirectory(ldapConfig(), { env: { DECKHAND_TEST_LDAP_PASSWORD: '' } })).toThrow(/missing/);
    const fromEnv = new LdapDirectory(ldapConfig(), { env: { DECKHAND_TEST_LDAP_PASSWORD: slapd.bindPassword } });
    opened.push(fromEnv);
    return expect(fromEnv.findUserByUid('bob')).resolves.toMatchObject({ uid: 'bob' });
  });

  test('filter metacharacters in stored values are matched literally', async () => {
    await expect(directory.findUserByUid('trent(x)')).resolves.toEqual({
      dn: dn('trent(x)'),
      uid: 'trent(x)',
      cn: 'Trent \\5c Paren',
      mail: 'trent\\2a@example.org',
    });
    await expect(directory.findUserByMail('trent\\2a@example.org')).resolves.toMatchObject({ uid: 'trent(x)' });
    await expect(directory.findUserByMail('eve*@example.org')).resolves.toEqual({
      dn: dn('eve'),
      uid: 'eve',
      cn: 'Eve (WMF)',
      mail: 'eve*@example.org',
    });
    await expect(directory.groupsOf(dn('trent(x)'))).resolves.toEqual(['airflow-search-ops']);
  });

  test('one connection is reused across calls', async () => {
    const d = open();
    for (const uid of ['alice', 'bob', 'carol', 'mallory']) await d.findUserByUid(uid);
    await Promise.all(['alice', 'bob', 'carol'].map((uid) => d.groupsOf(dn(uid))));
    expect(d.stats).toEqual({ connects: 1, binds: 1, searches: 7, failures: 0 });
  });
});

describe('hostile values never widen a search', () => {
  const hostile = [
    '*',
    '**',
    'a*',
    '*e',
    '(',
    ')',
    '\\',
    '\\2a',
    '\\00',
    '\0',
    'alice\0',
    'alice\0)(uid=*',
    ')(uid=*',
    '*)(uid=*',
    'alice)(uid=*',
    'alice)(|(uid=*',
    'alice)(|(uid=*))',
    '*))(|(uid=*',
    '(uid=*)',
    '|(uid=*)',
    'alice\\29(uid=*',
    'trent\\28x\\29',
    'trent*',
    'trent(*)',
    'ali\\*',
    'alice ',
    ' alice',
    'al  ice',
    'alice\r\nuid: bob',
    '\uff41\uff4c\uff49\uff43\uff45',
    'ALİCE',
    'alıce',
    'ali\u0301ce',
  ];

  test('the hostile values are dangerous when concatenated into a filter string (control)', async () => {
    const raw = new Client({ url: slapd.url });
    try {
      await raw.bind(slapd.bindDn, slapd.bindPassword);
      const naive = async (value: string): Promise<number> =>
        (await raw.search(slapd.base, { filter: `(uid=${value})`, attributes: ['uid'] })).searchEntries.length;
      expect(await naive('*')).toBeGreaterThan(4);
      expect(await naive('a*')).toBe(1);
      expect(await naive('trent*')).toBe(1);
      const groups = await raw.search(slapd.base, { filter: `(&(objectClass=groupOfNames)(member=*))`, attributes: ['cn'] });
      expect(groups.searchEntries.length).toBe(5);
    } finally {
      await raw.unbind();
    }
  });

  test.each(hostile.map((v) => [JSON.stringify(v), v]))('uid %s finds nobody', async (_, value) => {
    const before = directory.stats.searches;
    await expect(directory.findUserByUid(value)).resolves.toBeNull();
    expect(directory.stats.searches).toBe(before + 1); // it did reach the directory, as a value
  });

  test.each(hostile.map((v) => [JSON.stringify(v), `${v}@example.org`]))('mail %s@example.org finds nobody', async (_, value) => {
    await expect(directory.findUserByMail(value)).resolves.toBeNull();
  });

  test.each(['*', '*@example.org', '*@*', 'eve*', 'eve*@*', '*)(mail=*', 'alice@wikimedia.org)(|(mail=*'])('mail %s finds nobody', async (value) => {
    await expect(directory.findUserByMail(value)).resolves.toBeNull();
  });

  test.each([...hostile, `${dn('alice')})(member=*`, `uid=*,${PEOPLE}`, `uid=alice*,${PEOPLE}`, '*)(cn=*'])('groupsOf(%j) is empty', async (value) => {
    await expect(directory.groupsOf(value)).resolves.toEqual([]);
  });

  test('hostile IRC accounts resolve to nobody', async () => {
    const resolver = new IdentityResolver(directory, { cacheTtlSeconds: 0 });
    for (const account of hostile) await expect(resolver.resolveIrc(account)).resolves.toBeNull();
  });
});

describe('identity resolution', () => {
  test('no IRC account: null, without asking the directory', async () => {
    const d = open();
    const resolver = new IdentityResolver(d);
    await expect(resolver.resolveIrc(undefined)).resolves.toBeNull();
    await expect(resolver.resolveIrc('')).resolves.toBeNull();
    expect(d.stats.searches).toBe(0);
  });

  test('accountMap overrides the uid, case-insensitively; prototype keys are not accounts', async () => {
    const resolver = new IdentityResolver(directory, { accountMap: { AliceOnIrc: 'alice', mal: 'mallory' }, cacheTtlSeconds: 0 });
    await expect(resolver.resolveIrc('aliceonirc')).resolves.toMatchObject({ user: 'alice', groups: ['superset-admins', 'wmf'] });
    await expect(resolver.resolveIrc('mal')).resolves.toMatchObject({ user: 'mallory', groups: [] });
    await expect(resolver.resolveIrc('bob')).resolves.toMatchObject({ user: 'bob' });
    for (const account of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      await expect(resolver.resolveIrc(account)).resolves.toBeNull();
    }
  });

  test('Slack user → e-mail (callback) → directory user; the e-mail is cached', async () => {
    const d = open();
    const resolver = new IdentityResolver(d);
    const emails: Record<string, string> = { U0ALICE: 'alice@wikimedia.org', U0CAROL: 'CAROL.OPS@wikimedia.org', U0EVIL: '*' };
    const lookupEmail = jest.fn(async (id: string) => emails[id]);
    await expect(resolver.resolveSlack('U0ALICE', lookupEmail)).resolves.toEqual({
      user: 'alice',
      dn: dn('alice'),
      cn: 'Alice Example',
      mail: 'alice@wikimedia.org',
      groups: ['superset-admins', 'wmf'],
    });
    await expect(resolver.resolveSlack('U0CAROL', lookupEmail)).resolves.toMatchObject({
      user: 'carol',
      mail: 'carol.ops@wikimedia.org',
      groups: ['airflow-search-ops', 'ops'],
    });
    await expect(resolver.resolveSlack('U0NOMAIL', lookupEmail)).resolves.toBeNull();
    await expect(resolver.resolveSlack('U0EVIL', lookupEmail)).resolves.toBeNull();
    await expect(resolver.resolveSlack('', lookupEmail)).resolves.toBeNull();
    const searches = d.stats.searches;
    await resolver.resolveSlack('U0ALICE', lookupEmail);
    await resolver.resolveSlack('U0NOMAIL', lookupEmail);
    expect(lookupEmail.mock.calls.map((c) => c[0])).toEqual(['U0ALICE', 'U0CAROL', 'U0NOMAIL', 'U0EVIL']);
    expect(d.stats.searches).toBe(searches);
  });

  test('a failing e-mail callback is reported and not cached', async () => {
    const resolver = new IdentityResolver(directory);
    let fail = true;
    const lookupEmail = async (): Promise<string> => {
      if (fail) throw new Error('slack users.info: ratelimited');
      return 'bob@wikimedia.org';
    };
    await expect(resolver.resolveSlack('U0BOB', lookupEmail)).rejects.toThrow('ratelimited');
    fail = false;
    await expect(resolver.resolveSlack('U0BOB', lookupEmail)).resolves.toMatchObject({ user: 'bob', groups: ['nda', 'wmf'] });
  });
});

describe('cache', () => {
  test('second look-up is served from the cache; concurrent identical look-ups share one request', async () => {
    const d = open();
    const resolver = new IdentityResolver(d);
    const first = await Promise.all(Array.from({ length: 20 }, () => resolver.resolveIrc('bob')));
    expect(d.stats.searches).toBe(2); // user + groups, once
    expect(new Set(first.map((i) => JSON.stringify(i))).size).toBe(1);
    await expect(resolver.resolveIrc('BOB')).resolves.toEqual(first[0]);
    expect(d.stats.searches).toBe(2);
    expect(resolver.cacheStats.byUid).toMatchObject({ misses: 1, shared: 19, hits: 1 });
  });

  test('cached group lists are copies: a caller cannot change what the next one sees', async () => {
    const resolver = new IdentityResolver(open());
    const a = await resolver.resolveIrc('alice');
    a!.groups.push('ops');
    await expect(resolver.resolveIrc('alice')).resolves.toMatchObject({ groups: ['superset-admins', 'wmf'] });
  });

  test('bounded: with cacheMax 2 the least recently used entry is evicted', async () => {
    const d = open();
    const resolver = new IdentityResolver(d, { cacheMax: 2 });
    for (const uid of ['alice', 'bob', 'carol']) await resolver.resolveIrc(uid);
    expect(d.stats.searches).toBe(6);
    await resolver.resolveIrc('carol'); // still cached
    expect(d.stats.searches).toBe(6);
    await resolver.resolveIrc('alice'); // evicted: asked again
    expect(d.stats.searches).toBe(8);
  });

  test('entries expire after cacheTtlSeconds; a changed membership is then seen', async () => {
    let now = 1_000_000;
    const d = open();
    const resolver = new IdentityResolver(d, { cacheTtlSeconds: 60, now: () => now });
    await expect(resolver.resolveIrc('mallory')).resolves.toMatchObject({ groups: [] }); // no groups: cached too
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.adminDn, slapd.adminPassword);
    const nda = 'cn=nda,ou=groups,dc=wikimedia,dc=org';
    const member = (): Attribute => new Attribute({ type: 'member', values: [dn('mallory')] });
    try {
      await admin.modify(nda, new Change({ operation: 'add', modification: member() }));
      now += 59_000;
      await expect(resolver.resolveIrc('mallory')).resolves.toMatchObject({ groups: [] });
      expect(d.stats.searches).toBe(2);
      now += 2_000;
      await expect(resolver.resolveIrc('mallory')).resolves.toMatchObject({ groups: ['nda'] });
      expect(d.stats.searches).toBe(4);
    } finally {
      await admin.modify(nda, new Change({ operation: 'delete', modification: member() }));
      await admin.unbind();
    }
  });

  test('"not found" is cached briefly (negativeTtlMs), found results for the full TTL', async () => {
    let now = 5_000_000;
    const d = open();
    const resolver = new IdentityResolver(d, { cacheTtlSeconds: 60, negativeTtlMs: 5_000, now: () => now });
    await resolver.resolveIrc('nobody');
    await resolver.resolveIrc('nobody');
    expect(d.stats.searches).toBe(1);
    now += 5_001;
    await resolver.resolveIrc('nobody');
    expect(d.stats.searches).toBe(2);
  });

  test('cacheTtlSeconds 0 disables caching (lru-cache reads ttl 0 as forever)', async () => {
    const d = open();
    const resolver = new IdentityResolver(d, { cacheTtlSeconds: 0 });
    await resolver.resolveIrc('alice');
    await resolver.resolveIrc('alice');
    expect(d.stats.searches).toBe(4);
  });

  test('LookupCache: failures are not stored, empty results are, clear() forgets', async () => {
    const cache = new LookupCache<string[]>({ max: 10, ttlMs: 60_000 });
    let calls = 0;
    await expect(
      cache.get('k', async () => {
        calls++;
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(cache.has('k')).toBe(false);
    await expect(
      cache.get('k', async () => {
        calls++;
        return [];
      }),
    ).resolves.toEqual([]);
    await expect(
      cache.get('k', async () => {
        calls++;
        return ['x'];
      }),
    ).resolves.toEqual([]);
    expect(calls).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 2, shared: 0, failures: 1 });
    cache.clear();
    await expect(cache.get('k', async () => ['x'])).resolves.toEqual(['x']);
    expect(() => new LookupCache({ max: 0, ttlMs: 1 })).toThrow();
  });

  test('LookupCache.refresh: always reads, stores what it read, keeps the entry when the read fails, beats an older load in flight', async () => {
    const cache = new LookupCache<string[]>({ max: 10, ttlMs: 60_000 });
    await cache.get('k', async () => ['superset-admins']);
    await expect(cache.refresh('k', async () => [])).resolves.toEqual([]);
    await expect(cache.get('k', async () => ['not read'])).resolves.toEqual([]);
    await expect(
      cache.refresh('k', async () => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    await expect(cache.get('k', async () => ['not read'])).resolves.toEqual([]); // read-only answers keep the entry
    let release!: (v: string[]) => void;
    const older = cache.get('j', () => new Promise<string[]>((r) => (release = r)));
    await expect(cache.refresh('j', async () => ['new'])).resolves.toEqual(['new']);
    release(['old']);
    await expect(older).resolves.toEqual(['old']);
    await expect(cache.get('j', async () => ['not read'])).resolves.toEqual(['new']);
  });

  test('LookupCache: a load in flight during clear() is not stored', async () => {
    const cache = new LookupCache<string>({ max: 10, ttlMs: 60_000 });
    let release!: (v: string) => void;
    const pending = cache.get('k', () => new Promise<string>((r) => (release = r)));
    cache.clear();
    release('old');
    await expect(pending).resolves.toBe('old');
    expect(cache.has('k')).toBe(false);
  });
});
