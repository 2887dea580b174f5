// The worker's check right before a change reads the directory, not the gateway's cache: a user still
// in the cache gets no deploy while slapd is down, and a group removal stops the very next deploy.
// The whole bot (gateway + worker on the real Redis), a real slapd, the stand-in helmfile/helm.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { startDeployHarness, type Harness } from './support/deploy-harness.js';
import { directoryFor } from './support/directory.js';
import { startSlapd, type Slapd } from './support/slapd.js';

let slapd: Slapd;
let dir: ReturnType<typeof directoryFor>;
let h: Harness;

const member = (uid: string) => `member: uid=${uid},ou=people,dc=wikimedia,dc=org`;
/** alice out of superset-admins (carol in, so the group keeps a member), or back. */
function admins(alice: 'add' | 'delete'): void {
  const carol = alice === 'add' ? 'delete' : 'add';
  execFileSync('ldapmodify', ['-x', '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword], {
    input: `dn: cn=superset-admins,ou=groups,dc=wikimedia,dc=org\nchangetype: modify\n${carol}: member\n${member('carol')}\n-\n${alice}: member\n${member('alice')}\n`,
  });
}
const applies = () => h.tools.calls().filter((c) => c.argv.includes('apply')).length;

beforeAll(async () => {
  slapd = await startSlapd();
  // the cache lives a minute, as in production: nothing here waits for it to expire
  dir = directoryFor(slapd, { cacheTtlSeconds: 60 });
  h = await startDeployHarness({ directory: dir.lookup });
}, 30000);
afterAll(async () => {
  await h?.stop();
  await dir?.ldap.close();
  await slapd?.close();
});
beforeEach(() => {
  h.tools.reset();
  h.chat.clear();
});

it('slapd down: a user still in the cache gets no deploy (refused at the worker), read-only verbs answer; back up: deploys again', async () => {
  h.chat.say('alice', '!superset deploy staging');
  await h.chat.waitFor(/^alice: deployed superset staging/);
  expect(dir.resolver.cacheStats.groups.misses).toBeGreaterThan(0);
  expect(applies()).toBe(1);

  h.tools.reset();
  h.chat.clear();
  await slapd.stop();
  try {
    const hitsBefore = dir.resolver.cacheStats.byUid.hits;
    h.chat.say('alice', '!superset deploy staging');
    expect((await h.chat.waitFor(/^alice: /)).line).toBe('alice: directory unavailable, try again');
    // the gateway answered from the cache (alice is in it) and let the job through; the worker read the directory
    expect(dir.resolver.cacheStats.byUid.hits).toBeGreaterThan(hitsBefore);
    expect(h.tools.calls()).toEqual([]);
    // who she is still reads from the cache while the directory is down
    h.chat.say('alice', '!whoami');
    expect((await h.chat.waitFor(/^alice: irc/)).line).toBe('alice: irc alice (account alice) → directory user alice → groups superset-admins, wmf');
  } finally {
    await slapd.start();
  }
  h.chat.clear();
  h.chat.say('alice', '!superset deploy staging');
  await h.chat.waitFor(/^alice: deployed superset staging/);
  expect(applies()).toBe(1);
});

it('a group removed in the directory stops the next deploy, though the cache still had it', async () => {
  h.chat.say('alice', '!superset deploy staging');
  await h.chat.waitFor(/^alice: deployed superset staging/);
  h.tools.reset();
  h.chat.clear();

  admins('delete'); // no cache clear, no waiting: the next change must see it
  try {
    h.chat.say('alice', '!superset deploy staging');
    expect((await h.chat.waitFor(/^alice: /)).line).toBe('alice: deploy superset staging needs one of superset-admins, ops (you: wmf)');
    expect(h.tools.calls()).toEqual([]);
    // what the worker read is what the gateway's cache now says: the next one is refused at once
    h.chat.clear();
    h.chat.say('alice', '!superset deploy staging');
    expect((await h.chat.waitFor(/^alice: /)).line).toBe('alice: deploy superset staging needs one of superset-admins, ops (you: wmf)');
    const audit = await h.app.redis.xrevrange(`${h.prefix}:audit`, '+', '-', 'COUNT', 2);
    const stages = audit.map(([, f]) => f[f.indexOf('stage') + 1]);
    expect(stages).toEqual(['gateway', 'worker']); // newest first: the gateway's own refusal, after the worker's
    expect(h.tools.calls()).toEqual([]);
  } finally {
    admins('add');
  }
});
