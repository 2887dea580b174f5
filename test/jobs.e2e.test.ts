// `!jobs` and `!job N` as people see them on the real ircd (InspIRCd + Anope), with the whole bot on
// the real Redis; `/metrics` moves as they run.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { connectClient, registerAccount, startIrcd, type Ircd, type TestClient } from './support/ircd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

let ircd: Ircd;
let stack: Stack;
let alice: TestClient; // logged in with SASL
let bob: TestClient; // not logged in

const fromBot = (text: RegExp | string) => (m: { from: string; text: string }) =>
  m.from === 'deckhand' && (typeof text === 'string' ? m.text === text : text.test(m.text));

beforeAll(async () => {
  process.env.DH_E2E_LINK_SECRET = 'e2e-link-secret-0123456789abcdef';
  ircd = await startIrcd();
  await Promise.all([registerAccount(ircd, 'alice', 'alice-secret')]);
  [stack, alice, bob] = await Promise.all([
    startStack({
      ircd,
      config: { http: { port: 0, host: '127.0.0.1', publicUrl: 'https://deckhand.example.org', linkSecretEnv: 'DH_E2E_LINK_SECRET', linkTtlHours: 24 } },
    }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob' }),
  ]);
  await Promise.all([alice.join(CHANNEL), bob.join(CHANNEL)]);
}, 30000);

afterAll(async () => {
  await stack?.stop();
  await ircd?.stop();
});

beforeEach(() => {
  alice.clearMessages();
  bob.clearMessages();
});

const counter = async (name: string) => {
  const text = await (await fetch(`${stack.app.http!.url}/metrics`)).text();
  return Number(new RegExp(`^${name.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
};

it('lists jobs newest first, shows one in detail and its log with a signed link', async () => {
  const enqueued = await counter('deckhand_commands_total{verb="status",result="enqueued"}');
  alice.say(CHANNEL, '!superset status production');
  await alice.waitFor(fromBot(/^alice: superset production: 4\/4 ready/));
  bob.say(CHANNEL, '!superset deploy staging');
  await bob.waitFor(fromBot(/^bob: deploy superset staging needs a services account/));
  alice.say(CHANNEL, '!paws status');
  await alice.waitFor(fromBot(/^alice: paws production: /));
  await new Promise((r) => setTimeout(r, 200));
  expect(await counter('deckhand_commands_total{verb="status",result="enqueued"}')).toBe(enqueued + 2);

  alice.clearMessages();
  alice.say(CHANNEL, '!jobs');
  const l1 = await alice.waitFor(fromBot(/^alice: #\d+ status paws by alice /));
  const l2 = await alice.waitFor(fromBot(/^#\d+ deploy superset staging by bob /));
  const l3 = await alice.waitFor(fromBot(/^#\d+ status superset production by alice /));
  expect(l1.text).toMatch(/^alice: #\d+ status paws by alice \d\d:\d\d UTC \d+(\.\d)?(ms|s) (succeeded|failed)$/);
  expect(l2.text).toMatch(/^#\d+ deploy superset staging by bob \(no account\) \d\d:\d\d UTC denied$/);
  expect(l3.text).toMatch(/^#\d+ status superset production by alice \d\d:\d\d UTC \d+(\.\d)?(ms|s) succeeded$/);
  const id = Number(/^#(\d+)/.exec(l3.text)![1]);

  alice.say(CHANNEL, `!jobs superset --status succeeded --user alice --since 1h --limit 1`);
  await alice.waitFor(fromBot(new RegExp(`^alice: #${id} status superset production by alice`)));

  alice.clearMessages();
  bob.say(CHANNEL, `!job ${id}`);
  const d1 = await bob.waitFor(fromBot(new RegExp(`^bob: #${id} status superset production by alice: succeeded in `)));
  const d2 = await bob.waitFor(fromBot(/^asked on irc in #analytics as alice \(account alice\); queued /));
  const d3 = await bob.waitFor(fromBot(new RegExp(`^log: 1 line — !job ${id} log$`)));

  bob.say(CHANNEL, `!job ${id} log`);
  const g1 = await bob.waitFor(fromBot(new RegExp(`^bob: #${id} status superset production: succeeded in `)));
  const g2 = await bob.waitFor(fromBot('  superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d'));
  const g3 = await bob.waitFor(fromBot(new RegExp(`^full log: https://deckhand\\.example\\.org/jobs/${id}\\?exp=\\d+&sig=[\\w-]{43}$`)));
  // the link works against the bot's own server
  const path = g3.text.slice('full log: https://deckhand.example.org'.length);
  expect((await fetch(`${stack.app.http!.url}${path}`)).status).toBe(200);
});

it('gives bad arguments one clear line each', async () => {
  const bad: [string, RegExp][] = [
    ['!jobs --colour red', /^bob: unknown option --colour: jobs \[service\] \[env\] \[--user U\]/],
    ['!jobs supreset', /^bob: unknown service "supreset" \(did you mean superset\?\)$/],
    ['!jobs superset --status done', /^bob: --status done: use one of queued, running, succeeded, failed, cancelled, interrupted, denied, scheduled$/],
    ['!jobs --since forever', /^bob: --since forever: use a count and a unit, like 30m, 12h, 2d or 1w$/],
    ['!jobs --limit 1000', /^bob: --limit 1000: use a number from 1 to 25$/],
    ['!jobs paws --kind flag', /^bob: no jobs match \(paws --kind flag\)$/],
    ['!job', /^bob: which job\? job <number> \[log\]/],
    ['!job abc', /^bob: "abc" is not a job number: job <number> \[log\]$/],
    ['!job 999999', /^bob: no job #999999 \(it may have been trimmed from the history\)$/],
  ];
  for (const [text, expected] of bad) {
    bob.clearMessages();
    bob.say(CHANNEL, text);
    const reply = await bob.waitFor(fromBot(expected));
  }
});
