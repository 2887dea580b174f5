// The directory going away, hanging, rejecting the service account, and over TLS: each file's slapd is
// its own, since these tests stop and pause it.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LdapConfig } from '../src/config/schema.js';
import { DirectoryUnavailableError, toUserLine } from '../src/core/errors.js';
import { IdentityResolver } from '../src/directory/identity.js';
import { DirectoryCredentialsError, LdapDirectory, type LdapDirectoryOptions } from '../src/directory/ldap.js';
import { ldapConfigFor } from './support/directory.js';
import { startSlapd, type Slapd } from './support/slapd.js';

const dn = (uid: string): string => `uid=${uid},ou=people,dc=wikimedia,dc=org`;
const TIMEOUT_MS = 400;

let slapd: Slapd;
const opened: LdapDirectory[] = [];

function config(overrides: Partial<LdapConfig> = {}): LdapConfig {
  return ldapConfigFor(slapd, { bindPasswordEnv: 'DECKHAND_TEST_LDAP_PASSWORD', timeoutMs: TIMEOUT_MS, ...overrides });
}

function open(overrides: Partial<LdapConfig> = {}, options: LdapDirectoryOptions = {}): LdapDirectory {
  const d = new LdapDirectory(config(overrides), { password: slapd.bindPassword, ...options });
  opened.push(d);
  return d;
}

/** How long a promise takes to settle, and how. */
async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = performance.now();
  try {
    const value = await p;
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

/** Established TCP connections from this process to port (seen from the client side). */
function connectionsTo(port: number): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

async function eventually(check: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  slapd = await startSlapd({ tls: true });
});

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await slapd?.close();
});

describe('outages', () => {
  test('slapd stopped: DirectoryUnavailableError at once; restarted: the same client works again', async () => {
    const d = open();
    await expect(d.groupsOf(dn('alice'))).resolves.toEqual(['superset-admins', 'wmf']);
    await slapd.stop();
    try {
      const down = await timed(d.groupsOf(dn('alice')));
      expect(down.error).toBeInstanceOf(DirectoryUnavailableError);
      expect(toUserLine(down.error)).toBe('directory unavailable, try again');
      expect(down.ms).toBeLessThan(TIMEOUT_MS + 200);
      await expect(d.findUserByUid('bob')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    } finally {
      await slapd.start();
    }
    // Not anonymous after the reconnect (which with these ACLs would find nothing): real answers.
    await expect(d.groupsOf(dn('alice'))).resolves.toEqual(['superset-admins', 'wmf']);
    await expect(d.findUserByUid('bob')).resolves.toMatchObject({ uid: 'bob' });
    expect(d.stats.failures).toBe(2);
    expect(d.stats.connects).toBeGreaterThanOrEqual(2);
  });

  test('slapd restarted between calls (connection dropped while idle): the next call rebinds and answers', async () => {
    const d = open();
    await expect(d.findUserByUid('carol')).resolves.toMatchObject({ uid: 'carol' });
    await slapd.stop();
    await slapd.start();
    await expect(d.groupsOf(dn('carol'))).resolves.toEqual(['airflow-search-ops', 'ops']);
    expect(d.stats.failures).toBe(0);
    expect(d.stats.binds).toBe(2);
  });

  test('slapd hung (SIGSTOP) on an open connection and for new ones: fails within timeoutMs, recovers after', async () => {
    const d = open();
    await expect(d.findUserByUid('alice')).resolves.toMatchObject({ uid: 'alice' });
    slapd.pause();
    try {
      const hung = await timed(d.groupsOf(dn('alice')));
      expect(hung.error).toBeInstanceOf(DirectoryUnavailableError);
      expect(hung.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(hung.ms).toBeLessThan(TIMEOUT_MS + 250);
      // The kernel still completes TCP handshakes for the stopped slapd: the bind is what hangs.
      const fresh = await timed(open().findUserByUid('alice'));
      expect(fresh.error).toBeInstanceOf(DirectoryUnavailableError);
      expect(fresh.ms).toBeLessThan(TIMEOUT_MS + 250);
      const many = await timed(Promise.allSettled(['alice', 'bob', 'carol'].map((u) => d.findUserByUid(u))));
      expect(many.ms).toBeLessThan(TIMEOUT_MS + 250);
    } finally {
      slapd.resume();
    }
    await expect(d.groupsOf(dn('alice'))).resolves.toEqual(['superset-admins', 'wmf']);
  });

  test('nothing listening: DirectoryUnavailableError at once', async () => {
    const d = open({ url: 'ldap://127.0.0.1:1' });
    const r = await timed(d.findUserByUid('alice'));
    expect(r.error).toBeInstanceOf(DirectoryUnavailableError);
    expect(r.ms).toBeLessThan(TIMEOUT_MS);
  });

  test('failures are never cached; cached answers keep serving during an outage', async () => {
    const d = open();
    const resolver = new IdentityResolver(d, { cacheTtlSeconds: 60 });
    await expect(resolver.resolveIrc('alice')).resolves.toMatchObject({ groups: ['superset-admins', 'wmf'] });
    await slapd.stop();
    try {
      await expect(resolver.resolveIrc('alice')).resolves.toMatchObject({ groups: ['superset-admins', 'wmf'] });
      await expect(resolver.resolveIrc('carol')).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(resolver.resolveIrc('nobody')).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(resolver.resolveSlack('U0BOB', async () => 'bob@wikimedia.org')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    } finally {
      await slapd.start();
    }
    await expect(resolver.resolveIrc('carol')).resolves.toMatchObject({ user: 'carol', groups: ['airflow-search-ops', 'ops'] });
    await expect(resolver.resolveSlack('U0BOB', async () => 'bob@wikimedia.org')).resolves.toMatchObject({ user: 'bob' });
  });

  test('resolve with fresh: reads the directory for the user and groups, and the cache then says the same', async () => {
    const d = open();
    const resolver = new IdentityResolver(d, { cacheTtlSeconds: 60 });
    await resolver.resolveIrc('alice');
    expect(d.stats.searches).toBe(2);
    await resolver.resolveIrc('alice', { fresh: true });
    expect(d.stats.searches).toBe(4);
    await resolver.resolveIrc('alice');
    expect(d.stats.searches).toBe(4);
    await slapd.stop();
    try {
      await expect(resolver.resolveIrc('alice', { fresh: true })).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(resolver.resolveIrc('alice')).resolves.toMatchObject({ groups: ['superset-admins', 'wmf'] });
    } finally {
      await slapd.start();
    }
  });
});

describe('service account rejected', () => {
  test('wrong password: DirectoryCredentialsError (a DirectoryUnavailableError), no socket left open', async () => {
    const errors: unknown[] = [];
    const before = connectionsTo(slapd.port);
    const d = open({}, { password: 'wrong', credentialsRetryMs: 0, onError: (e) => errors.push(e) });
    for (let i = 0; i < 5; i++) {
      const r = await timed(d.findUserByUid('alice'));
      expect(r.error).toBeInstanceOf(DirectoryCredentialsError);
      expect(r.error).toBeInstanceOf(DirectoryUnavailableError);
      expect(toUserLine(r.error)).toBe('directory unavailable, try again');
      expect(String((r.error as Error).cause)).toMatch(/InvalidCredentials/);
    }
    expect(d.stats.binds).toBe(5);
    expect(errors).toHaveLength(5);
    await eventually(() => connectionsTo(slapd.port) === before);
  });

  test('after a rejection, calls fail fast without binding again for credentialsRetryMs', async () => {
    const d = open({}, { password: 'wrong', credentialsRetryMs: 60_000 });
    await expect(d.check()).rejects.toBeInstanceOf(DirectoryCredentialsError);
    await expect(d.groupsOf(dn('alice'))).rejects.toBeInstanceOf(DirectoryCredentialsError);
    await expect(d.findUserByMail('alice@wikimedia.org')).rejects.toBeInstanceOf(DirectoryCredentialsError);
    expect(d.stats.binds).toBe(1);
  });

  test('an unknown service DN is rejected the same way', async () => {
    const d = open({ bindDn: 'cn=nobody,ou=services,dc=wikimedia,dc=org' });
    await expect(d.check()).rejects.toBeInstanceOf(DirectoryCredentialsError);
  });

  test('a good client leaves exactly one connection open, and none after close()', async () => {
    const before = connectionsTo(slapd.port);
    const d = new LdapDirectory(config(), { password: slapd.bindPassword });
    await Promise.all(['alice', 'bob', 'carol', 'mallory'].map((u) => d.findUserByUid(u)));
    expect(connectionsTo(slapd.port)).toBe(before + 1);
    await d.close();
    await eventually(() => connectionsTo(slapd.port) === before);
    await expect(d.findUserByUid('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});

describe('TLS', () => {
  test('ldaps:// with the server CA', async () => {
    const d = open({ url: slapd.ldapsUrl! }, { tlsOptions: { ca: slapd.caPem! } });
    await expect(d.groupsOf(dn('bob'))).resolves.toEqual(['nda', 'wmf']);
  });

  test('StartTLS on ldap:// with the server CA, across a restart', async () => {
    const d = open({ startTls: true }, { tlsOptions: { ca: slapd.caPem! } });
    await expect(d.findUserByUid('carol')).resolves.toMatchObject({ uid: 'carol' });
    await slapd.stop();
    await slapd.start();
    await expect(d.groupsOf(dn('carol'))).resolves.toEqual(['airflow-search-ops', 'ops']);
    expect(d.stats.binds).toBe(2);
  });

  test('an untrusted certificate is DirectoryUnavailableError, for ldaps:// and StartTLS', async () => {
    const before = connectionsTo(slapd.port);
    await expect(open({ url: slapd.ldapsUrl! }).check()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    const starttls = open({ startTls: true });
    const r = await timed(starttls.check());
    expect(r.error).toBeInstanceOf(DirectoryUnavailableError);
    expect(String((r.error as Error).cause)).toMatch(/self.signed|certificate/i);
    await eventually(() => connectionsTo(slapd.port) === before); // the failed upgrade closed its socket
  });

  test('startTls with an ldaps:// url is a start-up error', () => {
    expect(() => open({ url: slapd.ldapsUrl!, startTls: true })).toThrow(/startTls/);
  });
});
