// Fairness under InspIRCd's default connect class (a line a second): alice fires a burst of commands,
// bob asks once; bob's answer comes within a few lines, not behind alice's ~40 lines; everything alice
// asked for still arrives; past the command limit she gets one "slow down" line. Observed by the
// two users' own clients.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { fleetServices, seedFleet } from './support/fleet.js';
import { connectClient, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { floodKills, sleep, waitForCount, waitQuiet, watchQuits } from './support/irc-observe.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const BOB_LINES = 4; // `fleet status`: one environment, one healthy and three crash-looping pods

let ircd: Ircd;
let api: FakeKubeApi;
let stack: Stack;
let alice: TestClient;
let bob: TestClient;
let quits: string[];

beforeAll(async () => {
  ircd = await startIrcd({ connectClass: 'default' });
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  seedFleet(api, 1);
  [stack, alice, bob] = await Promise.all([
    startStack({
      ircd,
      api,
      config: {
        irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL] },
        services: fleetServices(1),
        rateLimit: { perMinute: 5 },
      },
    }),
    connectClient(ircd, { nick: 'alice' }),
    connectClient(ircd, { nick: 'bob' }),
  ]);
  await Promise.all([alice.join(CHANNEL), bob.join(CHANNEL)]);
  quits = watchQuits(bob, 'deckhand');
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  await api?.close();
  await ircd?.stop();
});

const fromBot = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL;
const bobs = (m: Received) => fromBot(m) && /^(bob: )?(fleet e1: |  fleet-)/.test(m.text);
const alices = (m: Received) => fromBot(m) && !bobs(m);

it('answers someone who asks once within a few lines while another user’s burst is being answered', async () => {
  await sleep(4000); // a bot that has been up a while: its budget has refilled since it joined

  // alice: 8 commands at once; the limit (5 a minute here) lets 5 through and says so once
  for (let i = 0; i < 8; i++) alice.say(CHANNEL, '!superset status');
  await waitForCount(bob, (m) => fromBot(m) && /^alice: superset production/.test(m.text), 1, 5000);
  const asked = Date.now();
  bob.say(CHANNEL, '!fleet status');
  const answer = await waitForCount(bob, bobs, BOB_LINES, 15_000);
  const waitMs = Math.max(...answer.map((m) => m.time)) - asked;
  // a line a second: bob's lines go next (his own 4 take 4 s), not after alice's ~20
  expect(waitMs).toBeLessThan(BOB_LINES * 1000 + 2500);
  expect(answer[0]!.text).toMatch(/^bob: fleet e1: /);

  // alice still gets everything she asked for: 5 whole answers, and one "slow down"
  const aliceLines = await waitQuiet(bob, alices, 11, 4000, 40_000);
  const slow = aliceLines.filter((m) => /slow down/.test(m.text));
  expect(slow.map((m) => m.text)).toEqual([expect.stringMatching(/^alice: slow down: 5 commands a minute; try again in \d+s$/)]);
  // each line of the answer five times (ages such as "last 35s ago" move on between answers)
  const counts = new Map<string, number>();
  const shape = (text: string) => text.replace(/^alice: /, '').replace(/\d+/g, '#');
  for (const m of aliceLines) if (!/slow down/.test(m.text)) counts.set(shape(m.text), (counts.get(shape(m.text)) ?? 0) + 1);
  expect([...counts.keys()].some((t) => t.startsWith('superset production: '))).toBe(true);
  expect(counts.size).toBeGreaterThanOrEqual(2);
  for (const [text, n] of counts) expect([text, n]).toEqual([text, 5]);

  expect(quits).toEqual([]);
  expect(await floodKills(ircd)).toEqual([]);
}, 60_000);
