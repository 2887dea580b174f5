// The downtime monitor end to end: the fake Kubernetes API pushes watch events (pods into
// CrashLoopBackOff and back), two monitors share the real Redis (one leads), announcements reach a
// real IRC client through the real ircd and Slack through the Bolt adapter and the Web API stand-in.
// Time is a hand-moved clock: the 60 s thresholds are crossed without waiting.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SlackAdapter } from '../src/bot/slack.js';
import type { Config } from '../src/config/schema.js';
import { DeployStore } from '../src/deploy/store.js';
import { FakeClock } from '../src/maintenance/clock.js';
import { MaintenanceStore } from '../src/maintenance/store.js';
import type { Monitor } from '../src/monitor/monitor.js';
import { makeDeployment, makePod, SUPERSET_IMAGE, SUPERSET_NEXT_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { ANNOUNCE_CHANNEL, announceConfig, eventually, SLACK_CHANNEL, sleep, startBot, type Bot } from './support/announce-stack.js';
import { connectClient, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from './support/slack-api.js';

const SEC = 1000;
const MIN = 60 * SEC;
const T0 = (() => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  return d.getTime() + 86400_000;
})();

function supersetPods(namespace: string, release: string, image: string, count: number, crash: number[] = []): { pods: V1Pod[]; deployment: V1Deployment } {
  const name = `superset-${release}`;
  const labels = { app: 'superset', release };
  const pods = Array.from({ length: count }, (_, i) =>
    makePod({
      namespace,
      labels,
      image,
      deployment: name,
      seed: i,
      ageSeconds: 6 * 86400,
      ...(crash.includes(i) ? { waiting: 'CrashLoopBackOff' as const } : {}),
    }),
  );
  return { pods, deployment: makeDeployment({ namespace, name, labels, image, replicas: count }) };
}
const production = (crash: number[] = []) => supersetPods('superset', 'production', SUPERSET_IMAGE, 4, crash).pods;
const staging = (crash: number[] = []) => supersetPods('superset-next', 'staging', SUPERSET_NEXT_IMAGE, 2, crash).pods;

let ircd: Ircd;
let api: FakeKubeApi;
let slackApi: FakeSlackApi;
let carol: TestClient;
let config: Config;
let redis: Redis;
let a: Bot; // gateway + worker + monitor
let b: Bot; // a second worker with its own monitor
const prefix = freshPrefix('monitor');
const clock = new FakeClock(T0);

const monitors = (): Monitor[] => [a.app.monitor!, b.app.monitor!].filter((m) => m);
const leader = (): Monitor => {
  const l = monitors().filter((m) => m.isLeader);
  if (l.length !== 1) throw new Error(`${l.length} leaders`);
  return l[0]!;
};
const tick = async () => {
  await Promise.all(monitors().map((m) => m.tick()));
};
const ircLines = () =>
  carol.messages.filter((m: Received) => /^deckhand/.test(m.from) && m.target === ANNOUNCE_CHANNEL && /^\[(DOWN|RECOVERED)\]/.test(m.text)).map((m) => m.text);
const slackPosts = () =>
  slackApi.calls
    .filter((c: SlackCall) => c.method === 'chat.postMessage' && c.ok && c.args.channel === SLACK_CHANNEL)
    .map((c) => (c.args.blocks as { text: { text: string } }[])[0]!.text.text);
/** The leader has seen the change (a pending transition is stored). */
const pending = (env: string, yes = true) =>
  eventually(async () => ((await leader().states())[`superset/${env}`]!.pendingSince !== undefined) === yes, 5000, `pending ${env} ${yes}`);

beforeAll(async () => {
  ircd = await startIrcd();
  const prod = supersetPods('superset', 'production', SUPERSET_IMAGE, 4);
  const stg = supersetPods('superset-next', 'staging', SUPERSET_NEXT_IMAGE, 2);
  [api, slackApi] = await Promise.all([
    startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: { pods: [...prod.pods, ...stg.pods], deployments: [prod.deployment, stg.deployment], events: [] } }),
    startFakeSlackApi({ token: 'xoxb-monitor' }),
  ]);
  config = announceConfig(
    ircd,
    prefix,
    {
      monitor: { enabled: true, downAfterSeconds: 60, upAfterSeconds: 60, resyncSeconds: 300, pollSeconds: 1, leaseSeconds: 2, expected: 'announce' },
    },
    true,
  );
  config.slack = { ...config.slack!, apiUrl: slackApi.apiUrl };
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const slack = new SlackAdapter({
    config: config.slack,
    botToken: 'xoxb-monitor',
    signingSecret: 'monitor-secret',
    redis,
    prefix,
    log: pino({ level: 'silent' }),
  });
  [a, carol] = await Promise.all([startBot({ config, api, prefix, clock, adapters: [slack] }), connectClient(ircd, { nick: 'carol' })]);
  b = await startBot({ config, api, prefix, clock, role: 'worker' });
  await carol.join(ANNOUNCE_CHANNEL);
  await eventually(() => monitors().filter((m) => m.isLeader).length === 1, 5000, 'a leader');
}, 40000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await Promise.all([api?.close(), slackApi?.close()]);
  await ircd?.stop();
  redis?.disconnect();
  await dropPrefix(prefix);
});

beforeEach(() => {
  carol.clearMessages();
  slackApi.reset();
});

it('announces one DOWN and one RECOVERED per transition on both networks, from one of two monitors, across a leader change', async () => {
  clock.set(T0 + 2 * MIN); // 12:02
  api.setPods('superset', production([0, 1, 2, 3]));
  await pending('production');
  clock.advance(59 * SEC);
  await tick();
  await sleep(200);
  expect(ircLines()).toEqual([]); // 59 s: not yet
  clock.advance(2 * SEC);
  await tick();
  await tick();
  const down = await carol.waitFor((m) => m.text.startsWith('[DOWN] superset production'), 5000);
  expect(down.text).toMatch(
    /^\[DOWN\] superset production: 0\/4 ready since 12:02 UTC \(CrashLoopBackOff: superset-production-[a-z0-9]+-[a-z0-9]{5} \+3 more\)$/,
  );
  await slackApi.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === SLACK_CHANNEL);

  // the leader goes away: the other monitor takes over from the state in Redis
  const first = leader();
  await first.stop();
  await eventually(() => monitors().some((m) => m !== first && m.isLeader), 5000, 'the other monitor leading');
  clock.set(T0 + 14 * MIN); // 12:14
  api.setPods('superset', production());
  await pending('production');
  clock.advance(61 * SEC);
  await tick();
  const up = await carol.waitFor((m) => m.text.startsWith('[RECOVERED]'), 5000);
  expect(up.text).toBe('[RECOVERED] superset production after 12m (4/4 ready)');
  await slackApi.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === SLACK_CHANNEL && JSON.stringify(c.args.blocks).includes('RECOVERED'));

  for (let i = 0; i < 5; i++) {
    clock.advance(30 * SEC);
    await tick();
  }
  await sleep(500);
  if (process.env.SHOW_LINES) process.stderr.write(`${[...ircLines(), ...slackPosts()].join('\n')}\n`);
  expect(ircLines()).toEqual([down.text, up.text]);
  expect(slackPosts()).toEqual([
    down.text.replace('[DOWN] superset production: ', ':x: *superset production*  DOWN — '),
    ':white_check_mark: *superset production*  RECOVERED after 12m (4/4 ready)',
  ]);
}, 30000);

it('says nothing while a pod flaps faster than the threshold', async () => {
  clock.set(T0 + 30 * MIN);
  for (let i = 0; i < 4; i++) {
    api.setPods('superset-next', staging([1]));
    await pending('staging');
    clock.advance(40 * SEC);
    await tick();
    api.setPods('superset-next', staging());
    await pending('staging', false);
    clock.advance(40 * SEC);
    await tick();
  }
  await sleep(500);
  expect(ircLines()).toEqual([]);
  expect(slackPosts()).toEqual([]);
  expect((await leader().states())['superset/staging']!.status).toBe('up');
}, 30000);

it('words it as expected during a maintenance window and during a deploy', async () => {
  clock.set(T0 + 60 * MIN); // 13:00
  const maint = new MaintenanceStore({ connection: redis, prefix });
  const { window: w } = await maint.create({
    service: 'superset',
    environment: 'staging',
    start: T0 + 55 * MIN,
    end: T0 + 90 * MIN,
    reason: 'DB upgrade',
    who: { nick: 'alice', network: 'irc', user: 'alice' },
    createdAt: T0,
  });
  api.setPods('superset-next', staging([0, 1]));
  await pending('staging');
  clock.advance(61 * SEC);
  await tick();
  const down = await carol.waitFor((m) => m.text.startsWith('[DOWN] superset staging'), 5000);
  expect(down.text).toMatch(
    new RegExp(
      `^\\[DOWN\\] superset staging: 0/2 ready since 13:00 UTC \\(CrashLoopBackOff: .*\\) \\(expected: maintenance #${w.id} until 13:30 UTC: DB upgrade\\)$`,
    ),
  );
  api.setPods('superset-next', staging());
  await pending('staging');
  clock.advance(61 * SEC);
  await tick();
  await carol.waitFor((m) => m.text === '[RECOVERED] superset staging after 1m (2/2 ready)', 5000);

  const deploys = new DeployStore({ connection: redis, prefix });
  await deploys.acquire(
    'superset',
    'production',
    { jobId: '42', user: 'alice', nick: 'alice', network: 'irc', verb: 'deploy', since: clock.now(), host: 'deploy1' },
    60_000,
  );
  api.setPods('superset', production([3]));
  await pending('production');
  clock.advance(61 * SEC);
  await tick();
  const deployDown = await carol.waitFor((m) => m.text.startsWith('[DOWN] superset production'), 5000);
  expect(deployDown.text).toMatch(
    /^\[DOWN\] superset production: 3\/4 ready since 13:02 UTC \(CrashLoopBackOff: superset-production-\S+\) \(expected: deploy by alice since 13:02 UTC\)$/,
  );
  await deploys.release('superset', 'production', '42');
  api.setPods('superset', production());
  await pending('production');
  clock.advance(61 * SEC);
  await tick();
  await carol.waitFor((m) => m.text === '[RECOVERED] superset production after 1m (4/4 ready)', 5000);
  await sleep(300);
  if (process.env.SHOW_LINES) process.stderr.write(`${ircLines().join('\n')}\n`);
  expect(ircLines()).toHaveLength(4);
}, 30000);
