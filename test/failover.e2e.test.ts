// Two gateways and a worker on the real ircd (InspIRCd + Anope, SASL), leader election on the real Redis.
// The leader is a real process, killed with SIGKILL while slow commands it took are still running on the
// worker and a maintenance start is due: the standby takes the lease, logs in with SASL, rejoins, and
// delivers every reply queued meanwhile once; the maintenance start appears once; no line comes twice.
// Observed by a second real IRC client.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { startApp, type App } from '../src/app.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { configContexts } from '../src/kube/contexts.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from './support/config.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { waitForCount, waitQuiet } from './support/irc-observe.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { spawnGateway, type ChildGateway } from './support/spawn-gateway.js';
import { verbsWithSlow, waitSlowQueued } from './support/slow-verb.js';
import { StaticDirectory } from './support/static-directory.js';

const CHANNEL = '#failover';
const BOT_PASSWORD = 'bot-secret-1';
const LEASE_MS = 4000;
const SLOW_MS = 3000;

let ircd: Ircd;
let api: FakeKubeApi;
let worker: App;
let gateways: ChildGateway[] = [];
let alice: TestClient;
let watcher: TestClient;
const prefix = freshPrefix('failover');
let spec: { prefix: string; config: unknown; password: string };

beforeAll(async () => {
  ircd = await startIrcd();
  await Promise.all([registerAccount(ircd, 'deckhand', BOT_PASSWORD), registerAccount(ircd, 'alice', 'alice-secret-1')]);
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  const base = exampleConfig();
  const raw = {
    redis: { url: REDIS_URL, prefix },
    irc: {
      host: ircd.host,
      port: ircd.port,
      tls: false,
      nick: 'deckhand',
      channels: [CHANNEL],
      sasl: { account: 'deckhand', passwordEnv: 'IRC_PASSWORD' },
      rate: { burst: 50, perSecond: 200 },
      reconnect: { minMs: 200, maxMs: 1000 },
    },
    leader: { backend: 'redis', leaseMs: LEASE_MS, renewMs: 500, retryMs: 250 },
    monitor: { enabled: false },
    services: { superset: { ...base.services.superset!, announce: { irc: [CHANNEL] } } },
    rollouts: {},
  };
  const config = exampleConfig(raw);
  // the children parse the same config (as JSON) themselves
  spec = { prefix, config: JSON.parse(JSON.stringify(config)) as unknown, password: BOT_PASSWORD };
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 3000 });
  worker = await startApp({
    config,
    role: 'worker',
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    adapters: [],
    kube,
    directory: new StaticDirectory(),
    verbs: verbsWithSlow,
    prefix,
    monitor: false,
  });
  [watcher, alice] = await Promise.all([
    connectClient(ircd, { nick: 'watcher' }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret-1' } }),
  ]);
  await Promise.all([watcher.join(CHANNEL), alice.join(CHANNEL)]);
  const first = await spawnGateway(spec);
  gateways.push(first);
  await first.leading(20_000);
  gateways.push(await spawnGateway(spec));
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.kill('SIGKILL')));
  await worker?.stop();
  await api?.close();
  await ircd?.stop();
  await dropPrefix(prefix);
});

const fromBot = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');

it('the standby takes over after a kill -9 of the leader: SASL, rejoin, every queued reply once, the maintenance start once, no line twice', async () => {
  alice.say(CHANNEL, '!superset slow 0 warm');
  await watcher.waitFor((m) => fromBot(m) && m.text === 'alice: warm done', 15_000);

  // in flight at the kill: a maintenance window starting during the takeover, and slow commands the leader took
  alice.say(CHANNEL, `!maint superset ${isoIn(4500)} 5m failover drill`);
  await watcher.waitFor((m) => fromBot(m) && /failover drill/.test(m.text), 10_000);
  const tags = ['c1', 'c2', 'c3', 'c4', 'c5'];
  for (const t of tags) alice.say(CHANNEL, `!superset slow ${SLOW_MS} ${t}`);
  await waitSlowQueued(worker.redis, prefix, tags);

  let joinedAt = 0;
  watcher.client.on('join', (e) => {
    if (e.nick === 'deckhand' && !joinedAt) joinedAt = Date.now();
  });
  const killedAt = Date.now();
  await gateways[0]!.kill('SIGKILL');
  await gateways[1]!.leading(20_000);

  // joined and answering
  alice.say(CHANNEL, '!superset slow 0 back');
  const back = await watcher.waitFor((m) => fromBot(m) && m.text === 'alice: back done', 20_000);
  const ircBackMs = back.time - killedAt;
  expect(joinedAt).toBeGreaterThan(killedAt);
  expect(ircBackMs).toBeLessThan(15_000);
  // logged in with SASL: the server tags its lines with the services account
  expect(back.account).toBe('deckhand');

  await waitForCount(watcher, (m) => fromBot(m) && /^alice: c\d done$/.test(m.text), tags.length, 15_000);
  await watcher.waitFor((m) => fromBot(m) && /starting now/.test(m.text), 10_000);
  const lines = await waitQuiet(watcher, fromBot, 1, 2000, 10_000);
  const texts = lines.map((m) => m.text);
  for (const t of tags) expect(texts.filter((x) => x === `alice: ${t} done`)).toHaveLength(1);
  expect(texts.filter((x) => /starting now/.test(x))).toHaveLength(1);
  // no line twice, whoever sent it
  expect(texts.length).toBe(new Set(texts).size);
  process.stdout.write(`failover: ircBackMs=${ircBackMs} lines=${texts.length}\n`);
}, 60_000);
