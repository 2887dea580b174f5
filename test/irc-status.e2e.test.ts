import { makePod } from '../src/sandbox/fixtures.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type TestClient } from './support/ircd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

// Real InspIRCd + Anope, real Redis/BullMQ, the bot (gateway + worker), the fake Kubernetes API.
let ircd: Ircd;
let stack: Stack;
let alice: TestClient; // logged in to services with SASL
let bob: TestClient; // uses the nick of a registered account, not logged in

const fromBot = (text: RegExp | string) => (m: { from: string; text: string }) =>
  m.from === 'deckhand' && (typeof text === 'string' ? m.text === text : text.test(m.text));

beforeAll(async () => {
  ircd = await startIrcd();
  await Promise.all([registerAccount(ircd, 'alice', 'alice-secret'), registerAccount(ircd, 'bob', 'bob-secret')]);
  [stack, alice, bob] = await Promise.all([
    startStack({ ircd }),
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

it('answers !superset status in the channel with one line per environment and the unhealthy pod', async () => {
  alice.say(CHANNEL, '!superset status');
  const first = await alice.waitFor(fromBot(/^alice: superset production: /));
  expect(first.target).toBe(CHANNEL);
  expect(first.text).toBe('alice: superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d');
  const staging = await alice.waitFor(fromBot(/^superset staging: 1\/2 ready/));
  expect(staging.text).toContain('image 2026-06-02-091245');
  const pod = await alice.waitFor(fromBot(/^  superset-staging-.*: CrashLoopBackOff/));
  expect(pod.text).toMatch(/17 restarts, 6d old$/);
});

it('answers one environment, and in private when asked in private', async () => {
  alice.say('deckhand', 'superset status production');
  const reply = await alice.waitFor(fromBot(/superset production/));
  expect(reply.target).toBe('alice');
  expect(reply.text).toBe('superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d');
});

it('sees the services account of a logged-in user and no account for a nick-only user', async () => {
  alice.say(CHANNEL, '!whoami');
  bob.say(CHANNEL, '!whoami');
  const a = await alice.waitFor(fromBot(/^alice: /));
  expect(a.text).toBe('alice: irc alice (account alice) → no directory user: public commands only');
  const b = await bob.waitFor(fromBot(/^bob: /));
  expect(b.text).toMatch(/^bob: irc bob, not logged in to services: public commands only/);
});

it('shows what changed in the cluster on the next status (nothing is cached)', async () => {
  const pod = makePod({
    namespace: 'superset',
    labels: { app: 'superset' },
    image: 'r/superset:2026-03-01-000000',
    deployment: 'superset-production',
    waiting: 'ImagePullBackOff',
    seed: 99,
  });
  stack.api.upsertPod(pod);
  try {
    alice.say(CHANNEL, '!superset status production');
    const line = await alice.waitFor(fromBot(/^alice: superset production: 4\/5 ready/));
    expect(line.text).toContain('images 2026-02-16-150514 (4), 2026-03-01-000000 (1)');
    await alice.waitFor(fromBot(new RegExp(`^  ${pod.metadata!.name}: ImagePullBackOff`)));
  } finally {
    stack.api.deletePod('superset', pod.metadata!.name!);
  }
});

it('gives bad input one clear line each and keeps working', async () => {
  const bad: [string, RegExp][] = [
    ['!supreset status', /^bob: unknown service "supreset" \(did you mean superset\?\)$/],
    ['!superset stauts', /^bob: unknown command "stauts" \(did you mean (start, )?status\b/],
    ['!superset status prod', /^bob: superset has no environment "prod" \(did you mean production, staging\?\)$/],
    ['!superset státus ☃', /^bob: unknown command "státus"/],
    ['!superset \u0002\u0003status\u0007 \u202eproduction', /^bob: superset production: /],
    ['!' + 'x'.repeat(5000), /^bob: unknown service "x{39}…"/], // the ircd cuts the line at 512 bytes
  ];
  for (const [text, expected] of bad) {
    bob.clearMessages();
    bob.say(CHANNEL, text);
    const reply = await bob.waitFor(fromBot(expected));
    expect(reply.text).not.toMatch(/[\u0000-\u001f\u007f]/);
  }
  bob.clearMessages();
  bob.say(CHANNEL, '!superset status staging');
  await bob.waitFor(fromBot(/^bob: superset staging: 1\/2 ready/));
});

it('says which environment it could not reach, and still answers the others', async () => {
  stack.api.failNext(/namespaces\/superset-next\/pods/, 403, 'Forbidden', 'pods is forbidden: User "deckhand" cannot list resource "pods"');
  alice.say(CHANNEL, '!superset status');
  await alice.waitFor(fromBot(/^alice: superset production: 4\/4 ready/));
  const err = await alice.waitFor(fromBot(/^superset staging: /));
  expect(err.text).toMatch(/forbidden/i);
});

it('reconnects after the connection drops, rejoins its channels, and answers again', async () => {
  // what a network split or a server restart looks like from the bot: its socket goes away
  const socket = (stack.irc as unknown as { socket: { destroy(): void } }).socket;
  socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  expect(stack.irc!.connected).toBe(false);
  const deadline = Date.now() + 20000;
  for (;;) {
    alice.clearMessages();
    alice.say(CHANNEL, '!superset status production');
    try {
      await alice.waitFor(fromBot(/^alice: superset production: 4\/4 ready/), 1000);
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}, 30000);
