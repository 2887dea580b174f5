// The whole bot on a real Redis Cluster of three masters (Debian's redis-server, started here): the
// status path, deploy locks and a deploy, maintenance windows, the job history and its trim, and the
// leader lease, as on a single Redis. A key of one multi-key command or Lua script in another slot
// would be refused with CROSSSLOT: every answer must be the normal one and none may name an error.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Cluster } from 'ioredis';
import { trimHistory } from '../src/history/retention.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { configContexts } from '../src/kube/contexts.js';
import { RedisLease } from '../src/leader/redis-lease.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from './support/config.js';
import { OPS_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { REDIS_URL } from './support/redis.js';
import { startRedisCluster, type RedisCluster } from './support/redis-ha.js';

let cluster: RedisCluster;
let api: FakeKubeApi;
let h: Harness;

beforeAll(async () => {
  cluster = await startRedisCluster();
  api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(exampleConfig())), { timeoutMs: 3000 });
  h = await startDeployHarness({ kube, config: { redis: { url: REDIS_URL, prefix: 'deckhand', cluster: cluster.nodes } } });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await api?.close();
  await cluster?.stop();
});

const say = (nick: string, text: string) => h.chat.say(nick, text);
const botSays = async (re: RegExp, target?: string) => (await h.chat.waitFor((s) => re.test(s.line) && (!target || s.target === target), 20_000)).line;

it('runs on the cluster connection', () => {
  expect((h.app.redis as unknown as { isCluster?: boolean }).isCluster).toBe(true);
});

it('answers status from the worker through the command queue and the outbox', async () => {
  say('alice', '!superset status');
  expect(await botSays(/^alice: superset production: /)).toMatch(/^alice: superset production: \d+\/\d+ ready/);
});

it('holds deploy locks and runs a deploy under its lock', async () => {
  say('carol', '!superset lock staging load test until 16:00');
  expect(await botSays(/^superset staging: deploys locked by carol/, OPS_CHANNEL)).toBe(
    'superset staging: deploys locked by carol: load test until 16:00 (lift with !superset unlock staging)',
  );
  say('alice', '!superset deploy staging');
  expect(await botSays(/^alice: superset staging is locked/)).toMatch(/^alice: superset staging is locked by carol since/);
  say('carol', '!superset unlock staging');
  await botSays(/^carol: superset: deploys unlocked by carol/);
  say('alice', '!superset deploy staging');
  expect(await botSays(/^alice: deployed superset staging/)).toMatch(/^alice: deployed superset staging in \S+: release staging → revision \d+/);
});

it('schedules, lists and cancels a maintenance window', async () => {
  say('alice', '!maint superset in 2h 30m DB upgrade');
  const scheduled = await botSays(/^alice: maintenance #\d+ scheduled/);
  const id = /#(\d+)/.exec(scheduled)![1]!;
  say('alice', '!maint list');
  expect(await botSays(new RegExp(`#${id}\\b.*DB upgrade`))).toMatch(/DB upgrade/);
  say('alice', `!maint cancel ${id}`);
  expect(await botSays(new RegExp(`^alice: maintenance #${id} .*cancel`, 'i'))).toMatch(/cancel/i);
});

it('keeps the job history: listed, shown, filtered, trimmed', async () => {
  say('alice', '!jobs superset');
  expect(await botSays(/deploy.*staging.*alice|alice.*deploy.*staging/)).toBeTruthy();
  say('alice', '!jobs superset --status succeeded');
  await botSays(/succeeded/);
  await h.app.gateway!.idle();
  await new Promise((r) => setTimeout(r, 500)); // the last jobs' records land
  const before = await h.app.history.count();
  expect(before).toBeGreaterThanOrEqual(3);
  const r = await trimHistory(h.app.history, { maxAgeDays: 365, maxCount: 1 });
  expect(r.byCount).toBe(before - 1);
  expect(await h.app.history.count()).toBe(1);
});

it('takes and checks the fenced leader lease', async () => {
  const lease = new RedisLease(h.app.redis, h.prefix, 'gw');
  const t = (await lease.acquire('a', 5000))!;
  expect(t).toBeGreaterThan(0);
  expect(await lease.check('a', t)).toBe(true);
  expect(await lease.acquire('b', 5000)).toBeUndefined();
  await lease.release('a', t);
});

it('said nothing about CROSSSLOT or an internal error', () => {
  const bad = h.chat.sent.filter((s) => /CROSSSLOT|internal error|unreachable|ERR /i.test(s.line));
  expect(bad).toEqual([]);
  // and the keys really are spread over more than one node
  const c = h.app.redis as unknown as Cluster;
  expect(c.nodes('master').length).toBe(3);
});
