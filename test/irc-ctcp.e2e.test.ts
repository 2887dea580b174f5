// A CTCP VERSION flood from 20 clients (15 each) on an ircd with InspIRCd's default connect class: the
// bot answers a few, paced and limited per sender, and is not thrown out (irc-framework used to answer
// each at once, outside any pacing: disconnected in 2 s). Observed by a watcher and the ircd's log.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { CtcpEvent } from 'irc-framework';
import { connectClient, startIrcd, type Ircd, type TestClient } from './support/ircd.js';
import { floodKills, sleep, watchQuits } from './support/irc-observe.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const FLOODERS = 20;
const EACH = 15;

let ircd: Ircd;
let stack: Stack;
let watcher: TestClient;
let flooders: TestClient[];
let quits: string[];

beforeAll(async () => {
  ircd = await startIrcd({ connectClass: 'default' });
  [stack, watcher, ...flooders] = await Promise.all([
    startStack({ ircd, config: { irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL] } } }),
    connectClient(ircd, { nick: 'watcher' }),
    ...Array.from({ length: FLOODERS }, (_, i) => connectClient(ircd, { nick: `flood${i}` })),
  ]);
  await watcher.join(CHANNEL);
  quits = watchQuits(watcher, 'deckhand');
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  await ircd?.stop();
});

it('answers a CTCP VERSION flood with a few paced NOTICEs, stays connected, and keeps answering commands', async () => {
  const replies: { nick: string; text: string }[] = [];
  for (const f of flooders) f.client.on('ctcp response', (e: CtcpEvent) => e.nick === 'deckhand' && replies.push({ nick: f.nick, text: e.message }));
  for (const f of flooders) for (let i = 0; i < EACH; i++) f.client.ctcpRequest('deckhand', 'VERSION');
  // the flooders' own lines reach the bot over ~5 s (fake lag holds them too); give the bot time to misbehave
  await sleep(9000);

  expect(quits).toEqual([]);
  expect(await floodKills(ircd)).toEqual([]);
  // answered at all, but at most once per sender and within the overall limit (10 a minute)
  expect(replies.length).toBeGreaterThanOrEqual(1);
  expect(replies.length).toBeLessThanOrEqual(10);
  expect(new Set(replies.map((r) => r.nick)).size).toBe(replies.length);
  expect(replies[0]!.text).toBe('VERSION Deckhand ChatOps bot');

  // and it still does its job
  watcher.clearMessages();
  watcher.say(CHANNEL, '!superset status production');
  const answer = await watcher.waitFor((m) => m.from === 'deckhand' && /^watcher: superset production: /.test(m.text), 8000);
  expect(answer.target).toBe(CHANNEL);
  expect(quits).toEqual([]);
}, 45_000);
