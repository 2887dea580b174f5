// The bot on Redis Sentinel (Debian's redis-server: a master, a replica, three sentinels, started here),
// connected through the sentinels by the master's name. Under a steady stream of status commands the
// master is killed (SIGKILL): the sentinels promote the replica, the bot follows. Every asker gets an
// answer (after a "try again in a moment" while no master is there), none gets two.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { configContexts } from '../src/kube/contexts.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from './support/config.js';
import { startDeployHarness, type Harness } from './support/deploy-harness.js';
import { askThroughFailover } from './support/ha-load.js';
import { REDIS_URL } from './support/redis.js';
import { startRedisSentinels, type RedisSentinels } from './support/redis-ha.js';

let redis: RedisSentinels;
let api: FakeKubeApi;
let h: Harness;

beforeAll(async () => {
  redis = await startRedisSentinels();
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(exampleConfig())), { timeoutMs: 3000 });
  h = await startDeployHarness({ kube, config: { redis: { url: REDIS_URL, prefix: 'deckhand', sentinels: redis.sentinels, name: redis.name } } });
}, 60_000);

afterAll(async () => {
  await h?.stop().catch(() => {});
  await api?.close();
  await redis?.stop();
});

it('follows a failover: every asker answered once, none twice', async () => {
  h.chat.say('warm', '!superset status', { account: null });
  await h.chat.waitFor(/^warm: superset production: /, 10_000);
  const counts = await askThroughFailover(h.chat, {
    askers: 60,
    everyMs: 150,
    atAsker: 10,
    during: () => redis.master.kill('SIGKILL'),
    settleMs: 15_000,
  });
  process.stdout.write(`sentinel: ${JSON.stringify(counts)}\n`);
  expect(counts.asked).toBe(60);
  expect(counts.duplicates).toBe(0);
  expect(counts.answered).toBe(counts.asked);
}, 60_000);
