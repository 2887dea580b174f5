// maintenance.topicSuffix on the real ircd: at "starting now" the bot appends "| MAINTENANCE until …" to
// the announce channel's topic, and at "over" (or an early end) puts the old topic back — unless someone
// changed the topic meanwhile. What to restore is in Redis: a gateway restart in between loses nothing.
import { renderFor } from '../src/bot/render.js';
import { SLACK_CAPABILITIES } from '../src/bot/slack.js';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { TopicEvent } from 'irc-framework';
import { suffixedTopic } from '../src/bot/topic.js';
import type { Config } from '../src/config/schema.js';
import { FakeClock } from '../src/maintenance/clock.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { ANNOUNCE_CHANNEL, announceConfig, eventually, outboxLines, sleep, startBot, type Bot } from './support/announce-stack.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { dropPrefix, freshPrefix } from './support/redis.js';

const MIN = 60_000;
const T0 = (() => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  return d.getTime() + 86400_000;
})();
const TOPIC = 'Analytics maintenance channel — see https://wikitech.example.org/Superset';

let ircd: Ircd;
let api: FakeKubeApi;
let alice: TestClient; // superset-admins, channel op (joins first)
let config: Config;
const prefix = freshPrefix('mainttopic');
const clock = new FakeClock(T0);
let gateway: Bot;
let worker: Bot;
/** The #maint topic as alice's client last heard it. */
let topic: string | undefined;

const fromBot = (m: Received) => /^deckhand/.test(m.from);
const promote = () => worker.app.announcer!.scheduler.promoteDue();
const topicIs = (want: string) => eventually(() => topic === want, 5000, `topic "${want}" (is "${topic}")`);
const saved = async () => (await worker.app.redis.keys(`${prefix}:irc:topic:*`)).length;

/** Start the gateway, wait for the bot in the channel, and make it op (it joins after alice). */
async function startGateway(): Promise<Bot> {
  const joined = new Promise<void>((resolve) => {
    const onJoin = (e: { nick: string; channel: string }) => {
      if (e.nick !== 'deckhand' || e.channel !== ANNOUNCE_CHANNEL) return;
      alice.client.off('join', onJoin);
      resolve();
    };
    alice.client.on('join', onJoin);
  });
  const bot = await startBot({ config, api, prefix, clock, role: 'gateway' });
  await joined;
  const opped = new Promise<void>((resolve) => alice.client.once('mode', () => resolve()));
  alice.client.mode(ANNOUNCE_CHANNEL, '+o', 'deckhand');
  await opped;
  return bot;
}

beforeAll(async () => {
  ircd = await startIrcd();
  await registerAccount(ircd, 'alice', 'alice-secret');
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  config = announceConfig(ircd, prefix, { maintenance: { topicSuffix: true } });
  alice = await connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } });
  alice.client.on('topic', (e: TopicEvent) => {
    if (e.channel === ANNOUNCE_CHANNEL) topic = e.topic;
  });
  await alice.join(ANNOUNCE_CHANNEL);
  alice.client.setTopic(ANNOUNCE_CHANNEL, TOPIC);
  await topicIs(TOPIC);
  worker = await startBot({ config, api, prefix, clock, role: 'worker' });
  gateway = await startGateway();
}, 40000);

afterAll(async () => {
  await gateway?.stop();
  await worker?.stop();
  await api?.close();
  await ircd?.stop();
  await dropPrefix(prefix);
});

it('sets the suffix at the start and restores the topic at the end, across a gateway restart', async () => {
  alice.say(ANNOUNCE_CHANNEL, '!maint superset in 1h 30m DB upgrade (T123456)');
  await alice.waitFor((m) => fromBot(m) && m.text.startsWith('[MAINTENANCE] superset: 13:00–13:30 UTC'), 8000);
  await sleep(300);
  expect(topic).toBe(TOPIC); // announcing a window to come leaves the topic alone

  clock.set(T0 + 60 * MIN);
  await promote();
  await alice.waitFor((m) => fromBot(m) && m.text.startsWith('[MAINTENANCE] superset: starting now'), 8000);
  await topicIs(`${TOPIC} | MAINTENANCE until 13:30 UTC: DB upgrade (T123456)`);
  // the bot saves what to restore once the server has confirmed the change, just after others see it
  await eventually(async () => (await saved()) === 1, 5000, 'the topic to restore saved in Redis');

  // the gateway that set it goes away; another one ends the window
  await gateway.stop();
  gateway = await startGateway();

  clock.set(T0 + 90 * MIN);
  await promote();
  await alice.waitFor((m) => fromBot(m) && m.text.startsWith('[MAINTENANCE] superset: over at 13:30 UTC'), 8000);
  await topicIs(TOPIC);
  expect(await saved()).toBe(0);
  // Slack announcements carry no topic change
  // Slack has no channel topics to suffix: what reaches it carries none (its capabilities drop them)
  expect((await outboxLines(worker.app.queues, 'slack')).map((m) => renderFor(m, SLACK_CAPABILITIES)).filter((m) => m.topic)).toEqual([]);
}, 40000);

it('leaves a topic someone changed during the window alone at an early end', async () => {
  clock.set(T0 + 120 * MIN); // 14:00
  alice.say(ANNOUNCE_CHANNEL, '!maint superset now 1h reindex now');
  await alice.waitFor((m) => fromBot(m) && m.text.startsWith('alice: maintenance #2 scheduled'), 8000);
  await promote();
  await alice.waitFor((m) => fromBot(m) && m.text.startsWith('[MAINTENANCE] superset: starting now'), 8000);
  await topicIs(`${TOPIC} | MAINTENANCE until 15:00 UTC: reindex now`);

  await sleep(1100); // InspIRCd with services linked refuses two topic changes in one second (437)
  alice.client.setTopic(ANNOUNCE_CHANNEL, 'Superset is down for a reindex, back at 15:00');
  await topicIs('Superset is down for a reindex, back at 15:00');
  clock.set(T0 + 130 * MIN);
  alice.say(ANNOUNCE_CHANNEL, '!maint cancel 2');
  await alice.waitFor((m) => fromBot(m) && m.text.startsWith('[MAINTENANCE] superset: #2 ended early by alice'), 8000);
  await sleep(500);
  expect(topic).toBe('Superset is down for a reindex, back at 15:00');
  expect(await saved()).toBe(0);
}, 30000);

it('keeps the topic within TOPICLEN: the old topic is shortened first, then the reason', () => {
  const len = (s: string) => Buffer.byteLength(s);
  const long = `${'é'.repeat(200)} end`;
  const t = suffixedTopic(long, 'MAINTENANCE until 13:30 UTC: DB upgrade', 307);
  expect(len(t)).toBeLessThanOrEqual(307);
  expect(t.endsWith('… | MAINTENANCE until 13:30 UTC: DB upgrade')).toBe(true);
  expect(suffixedTopic('', 'MAINTENANCE until 13:30 UTC: x\r\nQUIT', 307)).toBe('MAINTENANCE until 13:30 UTC: x QUIT');
  const huge = suffixedTopic('old', `MAINTENANCE until 13:30 UTC: ${'y'.repeat(400)}`, 307);
  expect(len(huge)).toBeLessThanOrEqual(307);
  expect(huge.startsWith('MAINTENANCE until 13:30 UTC: yyy')).toBe(true);
});
