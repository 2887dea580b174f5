// Several people ask for a long status at once on an ircd with InspIRCd's DEFAULT connect class
// (fakelag on, threshold 10, one line a second, recvq 10K): the bot is never thrown out and every line
// arrives. Observed from outside: the askers' own clients, a watcher in the channel, the ircd's log.
// (20 × 23 lines takes ~8 minutes at a line a second: that run is the ircFlood benchmark.)
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { fleetServices, seedFleet } from './support/fleet.js';
import { connectClient, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { floodKills, maxInWindow, sleep, waitForCount, watchQuits } from './support/irc-observe.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const ENVIRONMENTS = 4; // 4 lines each: 16, capped at MAX_LINES
const MAX_LINES = 12;
const USERS = 3;

let ircd: Ircd;
let api: FakeKubeApi;
let stack: Stack;
let users: TestClient[];
let watcher: TestClient;
let quits: string[];

beforeAll(async () => {
  ircd = await startIrcd({ connectClass: 'default' });
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  seedFleet(api, ENVIRONMENTS);
  [stack, watcher, ...users] = await Promise.all([
    startStack({
      ircd,
      api,
      // no rate settings: the pacing the bot picks for this server by itself
      config: {
        irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL] },
        services: fleetServices(ENVIRONMENTS),
        status: { maxLines: MAX_LINES },
      },
    }),
    connectClient(ircd, { nick: 'watcher' }),
    ...Array.from({ length: USERS }, (_, i) => connectClient(ircd, { nick: `user${i + 1}` })),
  ]);
  await watcher.join(CHANNEL);
  quits = watchQuits(watcher, 'deckhand');
  await sleep(3000); // a bot that has been up a while: its budget has refilled since it joined
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  await api?.close();
  await ircd?.stop();
});

const fromBot = (m: Received) => m.from === 'deckhand' && m.kind === 'privmsg';

it('answers everyone’s long status in full, within the server’s limit, and is never thrown out', async () => {
  const start = Date.now();
  for (const u of users) u.say('deckhand', 'fleet status');
  const answers = await Promise.all(users.map((u) => waitForCount(u, fromBot, MAX_LINES, 55_000)));
  const lastLineS = (Math.max(...answers.flat().map((m) => m.time)) - start) / 1000;

  // every line, once each, in order, to each asker
  const reference = answers[0]!.map((m) => m.text);
  expect(reference).toHaveLength(MAX_LINES);
  expect(reference[0]).toMatch(/^fleet e1: 1\/4 ready/);
  expect(reference.at(-1)).toMatch(/^\+\d+ more lines$/);
  for (const a of answers) expect(a.map((m) => m.text)).toEqual(reference);

  // the bot stayed: no QUIT seen in the channel, nothing in the ircd's log
  expect(quits).toEqual([]);
  expect(await floodKills(ircd)).toEqual([]);
  expect(stack.irc!.connected).toBe(true);

  // within InspIRCd's default class: 10 at once, then one a second (the bot keeps a margin)
  const times = answers.flat().map((m) => m.time);
  expect(maxInWindow(times, 900)).toBeLessThanOrEqual(10);
  expect(maxInWindow(times, 10_000)).toBeLessThanOrEqual(10 + 10);
  // …and not slower than that allows: 36 lines and a PING every 10 at a line a second (less the burst)
  expect(lastLineS).toBeLessThan(USERS * MAX_LINES * 1.1 + 2);
  // nothing was held back by the server's fake lag, so the bot never had to slow down
  expect(stack.irc!.pacing.slowdowns).toBe(0);
}, 60_000);
