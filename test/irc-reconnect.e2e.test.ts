// The ircd goes down in the middle of a long answer (InspIRCd's default class: a line a second, so much of
// it is still to be sent) and comes back: no line of the answer is lost (what the server had not
// acknowledged goes again), replies queued during the outage go out within seconds of the bot's rejoin
// (the outbox waits on the connection, not on a growing retry back-off), and the reconnect wait stays
// within reconnect.maxMs. Observed by a second real client that reconnects itself.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Outboxes } from '../src/jobs/queues.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { fleetServices, seedFleet } from './support/fleet.js';
import { connectClient, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { sleep, waitForCount } from './support/irc-observe.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';
import { startTcpGate, type TcpGate } from './support/tcp-gate.js';

const MAX_LINES = 12;
const MAX_MS = 2000;

let ircd: Ircd;
let api: FakeKubeApi;
let gate: TcpGate;
let stack: Stack;
let alice: TestClient;
let watcher: TestClient;

beforeAll(async () => {
  ircd = await startIrcd({ connectClass: 'default' });
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  seedFleet(api, 4);
  // the bot reaches the ircd through a gate the test opens once its observer is back
  gate = await startTcpGate(ircd);
  [stack, alice, watcher] = await Promise.all([
    startStack({
      ircd,
      api,
      config: {
        irc: { host: '127.0.0.1', port: gate.port, tls: false, nick: 'deckhand', channels: [CHANNEL], reconnect: { minMs: 500, maxMs: MAX_MS } },
        services: fleetServices(4),
        status: { maxLines: MAX_LINES },
      },
    }),
    connectClient(ircd, { nick: 'alice' }),
    connectClient(ircd, { nick: 'watcher' }),
  ]);
  await Promise.all([alice.join(CHANNEL), watcher.join(CHANNEL)]);
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  await gate?.close();
  await api?.close();
  await ircd?.stop();
});

const fromBot = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL;
const unprefixed = (text: string) => text.replace(/^alice: /, '');

it('loses no line of an answer cut by an ircd restart, and sends what queued meanwhile right after the rejoin', async () => {
  await sleep(3000); // the bot's budget refills after its join
  alice.say(CHANNEL, '!fleet status');
  await waitForCount(watcher, fromBot, 9, 15_000);

  // outage: the ircd stops; the worker's replies keep coming into the outbox meanwhile
  gate.open = false;
  await ircd.down();
  const before = watcher.messages.filter(fromBot);
  expect(before[0]!.text).toMatch(/^alice: fleet e1: /);
  expect(before.length).toBeLessThan(MAX_LINES);
  const outboxes = new Outboxes({ connection: stack.app.redis, prefix: stack.prefix });
  await outboxes.post({ network: 'irc', target: CHANNEL, lines: ['queued during the outage, 1 of 2'] });
  await outboxes.post({ network: 'irc', target: CHANNEL, lines: ['queued during the outage, 2 of 2'] });
  await outboxes.close();
  await sleep(3000);
  await ircd.up();

  // the observer comes back first, then the bot may
  const observer = await connectClient(ircd, { nick: 'watcher2' });
  let rejoinedAt = 0;
  observer.client.on('join', (e) => {
    if (e.nick === 'deckhand' && !rejoinedAt) rejoinedAt = Date.now();
  });
  await observer.join(CHANNEL);
  const openedAt = Date.now();
  gate.open = true;

  const queued = await waitForCount(observer, (m) => fromBot(m) && /^queued during the outage/.test(m.text), 2, 15_000);
  expect(rejoinedAt).toBeGreaterThan(0);
  // back within reconnect.maxMs (+ registration, which InspIRCd completes on a 1-s tick)
  expect(rejoinedAt - openedAt).toBeLessThan(MAX_MS + 2500);
  // queued replies: within a few seconds of the rejoin (JOIN and WHO go first, then a line a second)
  expect(Math.max(...queued.map((m) => m.time)) - rejoinedAt).toBeLessThan(5000);
  expect(queued.map((m) => m.text)).toEqual(['queued during the outage, 1 of 2', 'queued during the outage, 2 of 2']);

  // every line of alice's answer arrived: before the outage, or after it (some perhaps twice)
  const after = await waitForCount(observer, (m) => fromBot(m) && /^\+\d+ more lines$/.test(m.text), 1, 30_000).then(() =>
    observer.messages.filter((m) => fromBot(m) && !/^queued during/.test(m.text)),
  );
  const seen = new Set([...before, ...after].map((m) => unprefixed(m.text)));
  expect(seen.size).toBe(MAX_LINES);
  expect(after.length).toBeGreaterThanOrEqual(MAX_LINES - before.length);
  // a line that resumes the answer after the drop names alice again
  expect(after[0]!.text).toMatch(/^alice: /);
}, 60_000);
