import { allVerbs } from '../src/handlers/index.js';
import { defineVerb } from '../src/handlers/verb.js';
import { directoryFor } from './support/directory.js';
import { exampleConfig } from './support/config.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type TestClient } from './support/ircd.js';
import { startSlapd, type Slapd } from './support/slapd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

// Real ircd with services accounts, real slapd with the test directory, real Redis.
// `touch` is a harmless mutating stand-in verb: it changes nothing, but is checked like a deploy.
const touch = defineVerb({
  verb: 'touch',
  scope: 'service',
  mutating: true,
  environment: 'required',
  usage: '<service> touch <env>',
  summary: 'a harmless mutating verb for tests',
  parse: () => ({}),
  async check(ctx) {
    return { lines: [`touched ${ctx.command.service} ${ctx.command.environment} as ${ctx.identity.user}`] };
  },
});

let ircd: Ircd;
let slapd: Slapd;
let stack: Stack;
let dir: ReturnType<typeof directoryFor>;
const c: Record<string, TestClient> = {};
const fromBot = (re: RegExp) => (m: { from: string; text: string }) => m.from === 'deckhand' && re.test(m.text);

async function ask(who: string, text: string, expected: RegExp): Promise<string> {
  c[who]!.clearMessages();
  c[who]!.say(CHANNEL, text);
  return (await c[who]!.waitFor(fromBot(expected))).text;
}

beforeAll(async () => {
  [ircd, slapd] = await Promise.all([startIrcd(), startSlapd()]);
  await Promise.all(['alice', 'bob', 'mallory'].map((n) => registerAccount(ircd, n, `${n}-secret`)));
  dir = directoryFor(slapd);
  const base = exampleConfig();
  base.services.superset!.permissions.touch = ['superset-admins', 'ops'];
  const [s, alice, bob, mallory, fake] = await Promise.all([
    startStack({ ircd, directory: dir.lookup, verbs: [...allVerbs, touch], config: { services: base.services } }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob', sasl: { account: 'bob', password: 'bob-secret' } }),
    connectClient(ircd, { nick: 'mallory', sasl: { account: 'mallory', password: 'mallory-secret' } }),
    connectClient(ircd, { nick: 'alice_' }),
  ]);
  stack = s;
  Object.assign(c, { alice, bob, mallory, fake });
  await Promise.all(Object.values(c).map((x) => x.join(CHANNEL)));
  // the impostor takes the nick "alice" once the real alice has moved to another nick
  alice.client.changeNick('alice2');
  await new Promise((r) => setTimeout(r, 200));
  fake.client.changeNick('alice');
  await new Promise((r) => setTimeout(r, 200));
  c.alice = alice;
}, 40000);

afterAll(async () => {
  await stack?.stop();
  await dir?.ldap.close();
  await Promise.all([ircd?.stop(), slapd?.close()]);
});

it('lets a member of superset-admins run a mutating verb', async () => {
  expect(await ask('alice', '!superset touch staging', /touched/)).toBe('alice2: touched superset staging as alice');
});

it('denies bob with what is needed and what he has', async () => {
  expect(await ask('bob', '!superset touch production', /^bob: /)).toBe('bob: touch superset production needs one of superset-admins, ops (you: nda, wmf)');
});

it('denies mallory, who has no groups', async () => {
  expect(await ask('mallory', '!superset touch staging', /^mallory: /)).toBe(
    'mallory: touch superset staging needs one of superset-admins, ops (you: no groups)',
  );
});

it('denies a client using the nick alice without a services account, and says how to log in', async () => {
  expect(await ask('fake', '!superset touch staging', /^alice: /)).toBe(
    'alice: touch superset staging needs a services account: log in to services first (SASL, or /msg NickServ IDENTIFY <password>) and try again',
  );
});

it('explains each identity with whoami', async () => {
  const alice = await ask('alice', '!whoami', /^alice2: irc/);
  expect(alice).toBe('alice2: irc alice2 (account alice) → directory user alice → groups superset-admins, wmf');
  await c.alice!.waitFor(
    fromBot(
      /^may run — superset: status help deploy diff restart flags flag upgrade lock unlock scheduled logs events releases rollback stop start touch; airflow-search: status help scheduled logs events releases;/,
    ),
  );
  expect(await ask('bob', '!whoami', /^bob: irc/)).toBe('bob: irc bob (account bob) → directory user bob → groups nda, wmf');
  expect(await ask('mallory', '!whoami', /^mallory: irc/)).toBe('mallory: irc mallory (account mallory) → directory user mallory → no groups');
  expect(await ask('fake', '!whoami', /^alice: irc/)).toMatch(/^alice: irc alice, not logged in to services: public commands only/);
});

it('shows in help only what the asker may run', async () => {
  expect(await ask('alice', '!help', /^alice2: you may run/)).toContain(
    'superset: status help deploy diff restart flags flag upgrade lock unlock scheduled logs events releases rollback stop start touch;',
  );
  const bob = await ask('bob', '!help', /^bob: you may run/);
  expect(bob).toContain('superset: status help flags scheduled logs events releases;');
  // bob may change nothing: the global verbs that act on services (confirm, cancel, rollout, maint) are not offered
  expect(
    bob
      .slice(bob.lastIndexOf('; and ') + 6)
      .split(', ')
      .filter((v) => ['confirm', 'cancel', 'rollout', 'maint'].includes(v)),
  ).toEqual([]);
  expect(await ask('alice', '!help', /^alice2: you may run/)).toMatch(/; and help, whoami, confirm, .*cancel, rollout, .*maint$/);
});

it('records every decision, allowed or denied, in the audit stream', async () => {
  const rows = await stack.app.redis.xrevrange(`${stack.prefix}:audit`, '+', '-', 'COUNT', 200);
  const fields = rows.map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])));
  const touches = fields.filter((f) => f.verb === 'touch');
  expect(touches.find((f) => f.user === 'alice' && f.allowed === '1')?.reason).toBe('member of superset-admins');
  expect(touches.find((f) => f.user === 'bob' && f.allowed === '0')?.reason).toBe(
    'touch superset production needs one of superset-admins, ops (you: nda, wmf)',
  );
  expect(touches.find((f) => f.nick === 'alice' && f.account === '')?.allowed).toBe('0');
});

it('fails closed while the directory is down, keeps answering read-only verbs, and recovers', async () => {
  dir.resolver.clear();
  await slapd.stop();
  try {
    expect(await ask('bob', '!superset touch staging', /^bob: /)).toBe('bob: directory unavailable, try again');
    expect(await ask('bob', '!superset status production', /^bob: superset production/)).toMatch(/4\/4 ready/);
  } finally {
    await slapd.start();
  }
  expect(await ask('alice', '!superset touch staging', /^alice2: /)).toBe('alice2: touched superset staging as alice');
});
