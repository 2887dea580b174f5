// High availability figures (issue 16), each measured on real servers started here:
// - failover: two gateway processes and a worker on the real ircd (SASL), leader lease with the default
//   settings; the leader is killed with SIGKILL while slow commands and a maintenance start are in flight.
//   ircBackMs: kill → the other gateway joined and answering; duplicates / lost among the replies queued.
// - sentinel: the bot on Redis Sentinel; the master killed under a stream of status commands.
// - clusterJobsPerSecond: status jobs per second on a three-master Redis Cluster and on a single Redis.
import { pino } from 'pino';
import { startApp } from '../src/app.js';
import type { Config } from '../src/config/schema.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { configContexts } from '../src/kube/contexts.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from '../test/support/config.js';
import { startDeployHarness } from '../test/support/deploy-harness.js';
import { askThroughFailover } from '../test/support/ha-load.js';
import { waitQuiet } from '../test/support/irc-observe.js';
import { connectClient, registerAccount, startIrcd, type Received } from '../test/support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../test/support/redis.js';
import { startRedisCluster, startRedisSentinels } from '../test/support/redis-ha.js';
import { verbsWithSlow, waitSlowQueued } from '../test/support/slow-verb.js';
import { spawnGateway, type ChildGateway } from '../test/support/spawn-gateway.js';
import { StaticDirectory } from '../test/support/static-directory.js';
import { jobsPerSecond } from './status.js';

const log = pino({ level: 'silent' });
const CHANNEL = '#failover';

export async function benchFailover(inFlight = 10): Promise<Record<string, unknown>> {
  const ircd = await startIrcd();
  const api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  const prefix = freshPrefix('bench-failover');
  const gateways: ChildGateway[] = [];
  try {
    await Promise.all([registerAccount(ircd, 'deckhand', 'bot-secret-1'), registerAccount(ircd, 'alice', 'alice-secret-1')]);
    const base = exampleConfig();
    const config: Config = exampleConfig({
      redis: { url: REDIS_URL, prefix },
      irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL], sasl: { account: 'deckhand', passwordEnv: 'IRC_PASSWORD' } },
      leader: { backend: 'redis' }, // the default lease: 10 s, renewed every 2 s, tried every 1 s
      monitor: { enabled: false },
      services: { superset: { ...base.services.superset!, announce: { irc: [CHANNEL] } } },
      rollouts: {},
    });
    const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 3000 });
    const worker = await startApp({
      config,
      role: 'worker',
      log,
      adapters: [],
      kube,
      directory: new StaticDirectory(),
      verbs: verbsWithSlow,
      prefix,
      monitor: false,
    });
    const [watcher, alice] = await Promise.all([
      connectClient(ircd, { nick: 'watcher' }),
      connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret-1' } }),
    ]);
    await Promise.all([watcher.join(CHANNEL), alice.join(CHANNEL)]);
    const spec = { prefix, config: JSON.parse(JSON.stringify(config)) as unknown, password: 'bot-secret-1' };
    gateways.push(await spawnGateway(spec));
    await gateways[0]!.leading(30_000);
    gateways.push(await spawnGateway(spec));
    const fromBot = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL;
    alice.say(CHANNEL, '!superset slow 0 warm');
    await watcher.waitFor((m) => fromBot(m) && m.text === 'alice: warm done', 15_000);

    // in flight: a maintenance start due during the takeover, and slow commands the leader has taken
    const start = new Date(Date.now() + 5000).toISOString().replace(/\.\d+Z$/, 'Z');
    alice.say(CHANNEL, `!maint superset ${start} 5m failover drill`);
    await watcher.waitFor((m) => fromBot(m) && /failover drill/.test(m.text), 10_000);
    const tags = Array.from({ length: inFlight }, (_, i) => `c${i + 1}`);
    for (const t of tags) alice.say(CHANNEL, `!superset slow 3000 ${t}`);
    await waitSlowQueued(worker.redis, prefix, tags, 10_000);
    let joinedAt = 0;
    watcher.client.on('join', (e) => {
      if (e.nick === 'deckhand' && !joinedAt) joinedAt = Date.now();
    });
    const killedAt = Date.now();
    await gateways[0]!.kill('SIGKILL');
    await gateways[1]!.leading(60_000);
    alice.say(CHANNEL, '!superset slow 0 back');
    const back = await watcher.waitFor((m) => fromBot(m) && m.text === 'alice: back done', 30_000);
    const after = (await waitQuiet(watcher, fromBot, 1, 3000, 20_000)).filter((m) => m.time > killedAt);
    const lines = watcher.messages.filter(fromBot).map((m) => m.text);
    const expected = [...tags.map((t) => `alice: ${t} done`)];
    const starts = lines.filter((l) => /starting now/.test(l)).length;
    await worker.stop();
    return {
      failover: {
        // joined and answering: the first line the new leader sent (a reply queued while no gateway held IRC)
        ircBackMs: (after[0]?.time ?? back.time) - killedAt,
        joinedMs: joinedAt ? joinedAt - killedAt : null,
        // the backlog under the default pacing, and a fresh command asked once the other gateway led
        backlogDrainedMs: Math.max(...after.map((m) => m.time)) - killedAt,
        freshAnswerMs: back.time - killedAt,
        duplicates: lines.length - new Set(lines).size,
        lost: expected.filter((e) => !lines.includes(e)).length + (starts === 0 ? 1 : 0),
        inFlight: inFlight + 1,
        saslAccount: back.account ?? null,
        goal: 'ircBackMs <= 15000, duplicates = 0, lost = 0',
        note: `two gateway processes + a worker on InspIRCd/Anope, Redis lease ${config.leader!.leaseMs} ms (renew ${config.leader!.renewMs}, retry ${config.leader!.retryMs}); the leader killed -9 with ${inFlight} slow commands and a maintenance start in flight; default IRC pacing, so the backlog drains at about a line a second after a short burst`,
      },
    };
  } finally {
    await Promise.all(gateways.map((g) => g.kill('SIGKILL')));
    await api.close();
    await ircd.stop();
    await dropPrefix(prefix);
  }
}

export async function benchSentinel(askers = 100): Promise<Record<string, unknown>> {
  const redis = await startRedisSentinels();
  const api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(exampleConfig())), { timeoutMs: 3000 });
  const h = await startDeployHarness({ kube, config: { redis: { url: REDIS_URL, prefix: 'deckhand', sentinels: redis.sentinels, name: redis.name } } });
  try {
    h.chat.say('warm', '!superset status', { account: null });
    await h.chat.waitFor(/^warm: superset production: /, 10_000);
    const t0 = Date.now();
    const counts = await askThroughFailover(h.chat, { askers, everyMs: 100, atAsker: 20, during: () => redis.master.kill('SIGKILL'), settleMs: 20_000 });
    return {
      sentinel: {
        ...counts,
        ms: Date.now() - t0,
        goal: 'answered = asked, duplicates = 0',
        note: `a master, a replica, three sentinels (down after 1 s); ${askers} askers one per 100 ms, the master killed -9 after the 20th; an asker told "the job queue is unreachable" asks again 500 ms later (refused counts those lines)`,
      },
    };
  } finally {
    await h.stop().catch(() => {});
    await api.close();
    await redis.stop();
  }
}

export async function benchClusterJobs(n = 3000): Promise<Record<string, unknown>> {
  const cluster = await startRedisCluster();
  try {
    // alternated, twice each, so neither gets the warmer machine
    const single: number[] = [];
    const onCluster: number[] = [];
    for (let i = 0; i < 2; i++) {
      single.push(await jobsPerSecond({ url: REDIS_URL }, n));
      onCluster.push(await jobsPerSecond({ url: REDIS_URL, cluster: cluster.nodes }, n));
    }
    const best = (xs: number[]) => Math.max(...xs);
    return {
      clusterJobsPerSecond: {
        single: best(single),
        cluster: best(onCluster),
        ratio: Math.round((best(onCluster) / best(single)) * 100) / 100,
        runs: { single, cluster: onCluster },
        goal: 'cluster within 20 % of single (ratio >= 0.8)',
        note: `${n} status jobs through one worker (concurrency 16); a three-master Redis Cluster started here vs the single Redis on 6379, same run, best of two each`,
      },
    };
  } finally {
    await cluster.stop();
  }
}
