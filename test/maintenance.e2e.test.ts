// Maintenance windows end to end on real parts: the real ircd (a channel member sees every line), the
// real Redis and BullMQ (delayed jobs), the Slack outbox, and a hand-moved clock — reminders, start and
// end are run by promoting what is due on that clock, so nothing waits for real minutes.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { Config } from '../src/config/schema.js';
import { Access } from '../src/auth/access.js';
import { FakeClock } from '../src/maintenance/clock.js';
import { maintenanceBlocks } from '../src/maintenance/blocks.js';
import { MaintenanceStore } from '../src/maintenance/store.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { ANNOUNCE_CHANNEL, announceConfig, outboxLines, SLACK_CHANNEL, sleep, startBot, type Bot } from './support/announce-stack.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { dropPrefix, freshPrefix } from './support/redis.js';
import { StaticDirectory } from './support/static-directory.js';

const MIN = 60_000;
// noon UTC tomorrow: fixed wall-clock lines, and Redis expiry times still in the future
const T0 = (() => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  return d.getTime() + 86400_000;
})();

let ircd: Ircd;
let api: FakeKubeApi;
let alice: TestClient; // superset-admins
let bob: TestClient; // nda, wmf: may not announce maintenance
let config: Config;
const prefix = freshPrefix('maint');
const clock = new FakeClock(T0);
let gateway: Bot;
let worker: Bot;

const fromBot = (m: Received) => /^deckhand/.test(m.from);
const announcements = (c: TestClient) =>
  c.messages.filter((m) => fromBot(m) && m.target === ANNOUNCE_CHANNEL && m.text.startsWith('[MAINTENANCE]')).map((m) => m.text);
const promote = async () => {
  await worker.app.announcer!.scheduler.promoteDue();
};
/** Wait for a line, then a little longer: nothing else may follow. */
async function seeOnce(c: TestClient, pattern: RegExp): Promise<string> {
  const m = await c.waitFor((x) => fromBot(x) && x.target === ANNOUNCE_CHANNEL && pattern.test(x.text), 8000);
  await sleep(300);
  expect(announcements(c).filter((t) => pattern.test(t))).toHaveLength(1);
  return m.text;
}

beforeAll(async () => {
  ircd = await startIrcd();
  await Promise.all([registerAccount(ircd, 'alice', 'alice-secret'), registerAccount(ircd, 'bob', 'bob-secret')]);
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  config = announceConfig(ircd, prefix);
  // gateway and worker as separate processes, so each can be restarted on its own
  [gateway, worker, alice, bob] = await Promise.all([
    startBot({ config, api, prefix, clock, role: 'gateway' }),
    startBot({ config, api, prefix, clock, role: 'worker' }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob', sasl: { account: 'bob', password: 'bob-secret' } }),
  ]);
  await Promise.all([alice.join(ANNOUNCE_CHANNEL), bob.join(ANNOUNCE_CHANNEL)]);
}, 40000);

afterAll(async () => {
  await gateway?.stop();
  await worker?.stop();
  await api?.close();
  await ircd?.stop();
  await dropPrefix(prefix);
});

beforeEach(() => {
  alice.clearMessages();
  bob.clearMessages();
});

it('announces, reminds, starts, extends and ends a window once each, across a worker and a gateway restart', async () => {
  const seen: string[] = [];
  alice.say(ANNOUNCE_CHANNEL, '!maint superset in 2h 30m DB upgrade (T123456)');
  const reply = await alice.waitFor((m) => fromBot(m) && m.text.startsWith('alice: maintenance #'), 8000);
  expect(reply.text).toBe(
    'alice: maintenance #1 scheduled: superset 14:00–14:30 UTC (in 2h, for 30m); announced on irc #maint; slack C0ANALYTICS; reminders 1h, 10m before; maint cancel 1 / maint extend 1 <duration>',
  );
  seen.push(await seeOnce(alice, /^\[MAINTENANCE\] superset: 14:00–14:30 UTC/));
  expect(seen[0]).toBe('[MAINTENANCE] superset: 14:00–14:30 UTC (30m, in 2h): DB upgrade (T123456) — alice (#1)');

  // the same command again (a re-sent or repeated line): same window, nothing announced twice
  alice.say(ANNOUNCE_CHANNEL, '!maint superset in 2h 30m DB upgrade (T123456)');
  const again = await alice.waitFor((m) => fromBot(m) && m.text.startsWith('alice: already scheduled'), 8000);
  expect(again.text).toBe('alice: already scheduled as maintenance #1: superset 14:00–14:30 UTC (in 2h); nothing announced twice');

  clock.set(T0 + 60 * MIN);
  await promote();
  seen.push(await seeOnce(alice, /^\[MAINTENANCE\] superset in 1h:/));

  // the worker goes away and comes back: its delayed jobs are in Redis, re-adding them is a no-op
  await worker.stop();
  worker = await startBot({ config, api, prefix, clock, role: 'worker' });
  clock.set(T0 + 110 * MIN);
  await promote();
  seen.push(await seeOnce(alice, /^\[MAINTENANCE\] superset in 10m:/));

  alice.say(ANNOUNCE_CHANNEL, '!maint extend 1 15m');
  seen.push(await seeOnce(alice, /^\[MAINTENANCE\] superset: #1 extended/));
  await alice.waitFor((m) => fromBot(m) && m.text === 'alice: maintenance #1 now ends 14:45 UTC (in 55m); said so on irc #maint; slack C0ANALYTICS', 8000);

  // the gateway goes away while the start is due: the line waits in the outbox and is sent on return
  await gateway.stop();
  clock.set(T0 + 120 * MIN);
  await promote();
  await sleep(300);
  gateway = await startBot({ config, api, prefix, clock, role: 'gateway' });
  seen.push(await seeOnce(alice, /^\[MAINTENANCE\] superset: starting now/));

  // the original end moved: nothing at 14:30, "over" at 14:45
  clock.set(T0 + 150 * MIN);
  await promote();
  await sleep(500);
  expect(announcements(alice).filter((t) => /over/.test(t))).toHaveLength(0);
  clock.set(T0 + 165 * MIN);
  await promote();
  seen.push(await seeOnce(alice, /^\[MAINTENANCE\] superset: over/));

  expect(seen).toEqual([
    '[MAINTENANCE] superset: 14:00–14:30 UTC (30m, in 2h): DB upgrade (T123456) — alice (#1)',
    '[MAINTENANCE] superset in 1h: 14:00–14:30 UTC (30m): DB upgrade (T123456) (#1)',
    '[MAINTENANCE] superset in 10m: 14:00–14:30 UTC (30m): DB upgrade (T123456) (#1)',
    '[MAINTENANCE] superset: #1 extended by alice until 14:45 UTC (+15m): DB upgrade (T123456)',
    '[MAINTENANCE] superset: starting now, until 14:45 UTC (45m): DB upgrade (T123456) (#1)',
    '[MAINTENANCE] superset: over at 14:45 UTC after 45m: DB upgrade (T123456) (#1)',
  ]);
  if (process.env.SHOW_LINES) process.stderr.write(`${seen.join('\n')}\n`);
  // every line exactly once, in order, on IRC — and the same on Slack
  expect(announcements(alice)).toEqual(seen);
  const slack = (await outboxLines(worker.app.queues, 'slack')).filter((m) => m.target === SLACK_CHANNEL).map((m) => m.lines.join(' '));
  expect(slack).toEqual(seen);
}, 60000);

it('cancels a window: said once, and none of its later steps ever run', async () => {
  clock.set(T0 + 200 * MIN); // 15:20
  alice.say(ANNOUNCE_CHANNEL, '!maint superset staging in 3h 1h reindex');
  const first = await seeOnce(alice, /^\[MAINTENANCE\] superset staging: 18:20–19:20 UTC/);
  expect(first).toBe('[MAINTENANCE] superset staging: 18:20–19:20 UTC (1h, in 3h): reindex — alice (#2)');
  bob.say(ANNOUNCE_CHANNEL, '!maint cancel 2');
  await bob.waitFor((m) => fromBot(m) && m.text === 'bob: maint superset staging needs one of superset-admins, ops (you: nda, wmf)', 8000);
  alice.say(ANNOUNCE_CHANNEL, '!maint list');
  await alice.waitFor((m) => fromBot(m) && m.text === 'alice: #2 superset staging 18:20–19:20 UTC (in 3h): reindex — alice', 8000);
  alice.say(ANNOUNCE_CHANNEL, '!maint cancel 2');
  const cancelled = await seeOnce(alice, /cancelled by alice/);
  expect(cancelled).toBe('[MAINTENANCE] superset staging: #2 (18:20–19:20 UTC) cancelled by alice: reindex');
  await alice.waitFor((m) => fromBot(m) && m.text === 'alice: maintenance #2 cancelled; said so on irc #maint; slack C0ANALYTICS', 8000);
  for (const t of [260, 310, 380, 400]) {
    clock.set(T0 + t * MIN);
    await promote();
  }
  await sleep(500);
  expect(announcements(alice)).toEqual([first, cancelled]);
  alice.say(ANNOUNCE_CHANNEL, '!maint list superset');
  await alice.waitFor((m) => fromBot(m) && /^alice: no maintenance scheduled for superset \(times in UTC; it is 18:40 UTC\)$/.test(m.text), 8000);
}, 30000);

it('gives bad input and missing rights one clear line each', async () => {
  clock.set(T0 + 420 * MIN); // 19:00
  const bad: [TestClient, string, string][] = [
    [alice, '!maint superset 10:00 UTC 30m DB upgrade', 'alice: start 10:00 UTC is in the past'],
    [alice, '!maint superset now 0m DB upgrade', 'alice: duration must be longer than 0 (e.g. 30m)'],
    [alice, '!maint superset now 90d DB upgrade', 'alice: duration 90d is longer than the limit of 7d (maintenance.maxDuration)'],
    [alice, '!maint supreset now 30m DB upgrade', 'alice: unknown service "supreset" (did you mean superset?)'],
    [
      alice,
      `!maint superset now 30m \u0003${'4DB upgrade, '.repeat(25)}\u0007`,
      'alice: reason too long (324 characters; at most 200): a short line, with a link for details',
    ],
    // 400 characters: the ircd cuts the line at 512 bytes, what arrives is still too long a reason
    [alice, `!maint superset now 30m \u0002${'x'.repeat(400)}`, 'alice: reason too long ('],
    [alice, '!maint cancel 99', 'alice: no maintenance #99 (see maint list)'],
    [alice, '!maint extend 1 1h', 'alice: maintenance #1 is over already (ended 14:45 UTC)'],
    [bob, '!maint superset now 30m DB upgrade', 'bob: maint superset needs one of superset-admins, ops (you: nda, wmf)'],
  ];
  for (const [who, text, expected] of bad) {
    who.clearMessages();
    who.say(ANNOUNCE_CHANNEL, text);
    const reply = await who.waitFor((m) => fromBot(m) && m.text.startsWith(`${who.nick}: `), 8000);
    expect(reply.text.slice(0, expected.length)).toBe(expected);
    expect(reply.text).not.toMatch(/[\u0000-\u001f\u007f]/);
    await sleep(150);
    expect(who.messages.filter(fromBot)).toHaveLength(1);
  }
  expect(announcements(alice)).toEqual([]);
}, 30000);

it('blocks a deploy during a window unless --during-maintenance is asked by someone allowed', async () => {
  const now = T0 + 600 * MIN;
  const store = new MaintenanceStore(worker.app.queues);
  const { window: w } = await store.create({
    service: 'superset',
    start: now - 5 * MIN,
    end: now + 25 * MIN,
    reason: 'DB upgrade',
    who: { nick: 'alice', network: 'irc', user: 'alice' },
    createdAt: now - 5 * MIN,
  });
  const access = new Access(config, new StaticDirectory());
  const deps = { redis: worker.app.redis, prefix, config, access };
  // undefined: may go ahead; else the refusal's line (a typed InMaintenanceError)
  const refusal = (p: Promise<void>) =>
    p.then(
      () => undefined,
      (e: Error) => (expect(e.name).toBe('InMaintenanceError'), e.message),
    );
  const ask = (account: string, override: boolean, environment = 'production') =>
    refusal(maintenanceBlocks(deps, { service: 'superset', environment, requester: { network: 'irc', nick: account, account }, override, now }));
  expect(await ask('alice', false)).toBe(
    `superset production is in maintenance #${w.id} until 22:25 UTC (25m left: DB upgrade, by alice): deploy refused; add --during-maintenance to deploy anyway (allowed to: superset-admins, ops)`,
  );
  expect(await ask('alice', true)).toBeUndefined();
  expect(await ask('bob', true)).toBe(
    `superset production is in maintenance #${w.id} until 22:25 UTC (25m left: DB upgrade, by alice): deploy --during-maintenance refused: maint superset production needs one of superset-admins, ops (you: nda, wmf)`,
  );
  // no window for another service, or after the end
  expect(
    await refusal(
      maintenanceBlocks(deps, {
        service: 'airflow-search',
        environment: 'production',
        requester: { network: 'irc', nick: 'bob', account: 'bob' },
        override: false,
        now,
      }),
    ),
  ).toBeUndefined();
  expect(
    await refusal(
      maintenanceBlocks(deps, {
        service: 'superset',
        environment: 'production',
        requester: { network: 'irc', nick: 'bob', account: 'bob' },
        override: false,
        now: now + 30 * MIN,
      }),
    ),
  ).toBeUndefined();
});
