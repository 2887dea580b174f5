// Fault case 2: Redis restarted under load. The bot runs on a redis-server of its own with the AOF on
// (own-redis.ts). Five real IRC clients ask `!superset status production` 100 times each (so no one
// client's flood limits are the bottleneck); once all 500 are queued the worker starts, and while the
// answers are going out Redis is stopped gracefully (SHUTDOWN) and started, then killed -9 and started.
// A second real client in the channel counts each asker's answers: every command answered, none twice.
// A status answer here is one line (`askerN: superset production: 4/4 ready, …`), the same each time, so
// answers are counted per asker: more than it asked = duplicates, fewer = lost.
// With appendfsync everysec a kill -9 of the process loses only what Redis had not yet written to the
// kernel (it writes the AOF buffer before each event-loop sleep); a power loss could lose up to ~2 s.
import { Queue } from 'bullmq';
import { startApp, type App } from '../../../src/app.js';
import { IrcAdapter } from '../../../src/bot/irc.js';
import { bullPrefix } from '../../../src/core/scope.js';
import { COMMAND_QUEUE } from '../../../src/jobs/queues.js';
import { KubeClient, kubeConfigForUrl } from '../../../src/kube/client.js';
import { configContexts } from '../../../src/kube/contexts.js';
import { sandboxCluster } from '../../../src/sandbox/fixtures.js';
import { startFakeKubeApi } from '../../../src/sandbox/kube-api.js';
import { exampleConfig } from '../../support/config.js';
import { waitQuiet } from '../../support/irc-observe.js';
import { connectClient, startIrcd, type Received } from '../../support/ircd.js';
import { freshPrefix } from '../../support/redis.js';
import { StaticDirectory } from '../../support/static-directory.js';
import { quietLog, sleep, until } from './common.js';
import { startOwnRedis } from './own-redis.js';

const CHANNEL = '#analytics';

export interface RedisRestartFigures {
  queued: number;
  answered: number;
  duplicates: number;
  lost: number;
  /** Lines that are not a status answer (an error, "unreachable", an interrupted job). */
  otherLines: number;
  /** Answers seen before the graceful stop, and before the kill -9. */
  answeredBeforeShutdown: number;
  answeredBeforeKill: number;
  /** Redis down for, each time. */
  downMs: number;
  /** First request → last answer. */
  totalMs: number;
}

export async function redisRestartScenario(o: { askers?: number; each?: number; downMs?: number } = {}): Promise<RedisRestartFigures> {
  const askers = o.askers ?? 5;
  const each = o.each ?? 100;
  const total = askers * each;
  const downMs = o.downMs ?? 2000;
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const redis = await startOwnRedis();
    cleanup.unshift(() => redis.stop());
    const ircd = await startIrcd();
    cleanup.unshift(() => ircd.stop());
    const api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
    cleanup.unshift(() => api.close());
    const base = exampleConfig();
    const config = exampleConfig({
      redis: { url: redis.url, prefix: freshPrefix('fault-redis') },
      irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL], rate: { burst: 20, perSecond: 100 } },
      monitor: { enabled: false },
      services: { superset: { ...base.services.superset!, announce: { irc: [CHANNEL] } } },
      rollouts: {},
    });
    const prefix = config.redis.prefix;
    const log = quietLog();
    const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 3000 });
    const irc = new IrcAdapter({ config: config.irc!, log });
    const [gateway, watcher, ...clients] = await Promise.all([
      startApp({ config, role: 'gateway', log, adapters: [irc], directory: new StaticDirectory(), prefix }),
      connectClient(ircd, { nick: 'watcher' }),
      ...Array.from({ length: askers }, (_, i) => connectClient(ircd, { nick: `asker${i + 1}` })),
    ]);
    cleanup.unshift(() => gateway.stop());
    await Promise.all([watcher, ...clients].map((c) => c.join(CHANNEL)));
    const answer = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL && /^asker\d+: superset production: \d+\/\d+ ready/.test(m.text);
    const fromBot = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL;

    // 500 commands taken and queued, no worker yet
    const startedAt = Date.now();
    for (let i = 0; i < each; i++) for (const c of clients) c.say(CHANNEL, '!superset status production');
    const commands = new Queue(COMMAND_QUEUE, { connection: gateway.redis, prefix: bullPrefix(prefix, COMMAND_QUEUE) });
    commands.on('error', () => {}); // while Redis is away; the bot's own connections are what is under test
    cleanup.unshift(() => commands.close());
    const queued = await until(
      async () => {
        const n = await commands.count();
        return n >= total ? n : undefined;
      },
      `${total} commands queued`,
      30_000,
      100,
    );

    let worker: App | undefined;
    cleanup.unshift(() => worker?.stop() ?? Promise.resolve());
    worker = await startApp({ config, role: 'worker', log, adapters: [], kube, directory: new StaticDirectory(), prefix, monitor: false });
    const answers = () => watcher.messages.filter(answer).length;

    await until(() => answers() >= total * 0.3 || undefined, 'a third of the answers', 30_000, 10);
    const answeredBeforeShutdown = answers();
    await redis.shutdown();
    await sleep(downMs);
    await redis.start();

    await until(() => answers() >= total * 0.65 || undefined, 'two thirds of the answers', 60_000, 10);
    const answeredBeforeKill = answers();
    await redis.kill9();
    await sleep(downMs);
    await redis.start();

    const got = await waitQuiet(watcher, answer, total, 5000, 90_000);
    await sleep(1000);
    let answered = 0;
    let duplicates = 0;
    for (const c of clients) {
      const n = got.filter((m) => m.text.startsWith(`${c.nick}: `)).length;
      answered += Math.min(n, each);
      duplicates += Math.max(0, n - each);
    }
    return {
      queued,
      answered,
      duplicates,
      lost: total - answered,
      otherLines: watcher.messages.filter((m) => fromBot(m) && !answer(m)).length,
      answeredBeforeShutdown,
      answeredBeforeKill,
      downMs,
      totalMs: Math.max(...got.map((m) => m.time)) - startedAt,
    };
  } finally {
    for (const c of cleanup) await c().catch(() => {});
  }
}
