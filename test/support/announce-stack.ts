// The bot for maintenance and monitor tests: real Redis (a given prefix, so a "restart" is a new
// process on the same state), the real ircd, the fake Kubernetes API, a hand-moved clock.
import { pino } from 'pino';
import { startApp, type App, type Role } from '../../src/app.js';
import type { DirectoryLookup } from '../../src/auth/access.js';
import type { ChatAdapter } from '../../src/bot/adapter.js';
import { IrcAdapter } from '../../src/bot/irc.js';
import type { Config } from '../../src/config/schema.js';
import { createRedis } from '../../src/core/redis.js';
import type { OutgoingMessage } from '../../src/core/types.js';
import { outboxQueue, type QueueContext } from '../../src/jobs/queues.js';
import { KubeClient, kubeConfigForUrl } from '../../src/kube/client.js';
import { configContexts } from '../../src/kube/contexts.js';
import type { Clock } from '../../src/maintenance/clock.js';
import type { FakeKubeApi } from '../../src/sandbox/kube-api.js';
import { exampleConfig } from './config.js';
import type { Ircd } from './ircd.js';
import { REDIS_URL } from './redis.js';
import { StaticDirectory } from './static-directory.js';

export const ANNOUNCE_CHANNEL = '#maint';
export const SLACK_CHANNEL = 'C0ANALYTICS';

/** The example config with superset announcing on ANNOUNCE_CHANNEL (IRC) and SLACK_CHANNEL (Slack). */
export function announceConfig(ircd: Ircd, prefix: string, overrides: Partial<Record<keyof Config, unknown>> = {}, onlySuperset = false): Config {
  const base = exampleConfig();
  const superset = { ...base.services.superset!, announce: { irc: [ANNOUNCE_CHANNEL], slack: [SLACK_CHANNEL] } };
  const services = onlySuperset ? { superset } : { ...base.services, superset };
  return exampleConfig({
    redis: { url: REDIS_URL, prefix },
    irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [ANNOUNCE_CHANNEL], rate: { burst: 100, perSecond: 500 } },
    slack: { mode: 'http', port: 0 },
    services,
    ...(onlySuperset ? { rollouts: {} } : {}),
    ...overrides,
  });
}

export interface Bot {
  app: App;
  irc?: IrcAdapter;
  stop(): Promise<void>;
}

export async function startBot(o: {
  config: Config;
  api: FakeKubeApi;
  prefix: string;
  clock: Clock;
  role?: Role;
  adapters?: ChatAdapter[];
  irc?: boolean;
  monitor?: boolean;
  /** Default: the static test directory; give a real slapd's for permission tests. */
  directory?: DirectoryLookup;
}): Promise<Bot> {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const role = o.role ?? 'all';
  // the IRC adapter keeps topics to restore in Redis (maintenance.topicSuffix), as the CLI's does
  const ircRedis = role !== 'worker' && o.irc !== false && o.config.irc ? createRedis(o.config.redis.url) : undefined;
  const irc = ircRedis && o.config.irc ? new IrcAdapter({ config: o.config.irc, log, redis: ircRedis, prefix: o.prefix }) : undefined;
  const kube = new KubeClient(kubeConfigForUrl(o.api.url, configContexts(o.config)), { timeoutMs: 3000 });
  const app = await startApp({
    config: o.config,
    role,
    log,
    adapters: [...(irc ? [irc] : []), ...(o.adapters ?? [])],
    kube,
    directory: o.directory ?? new StaticDirectory(),
    prefix: o.prefix,
    clock: o.clock,
    ...(o.monitor !== undefined ? { monitor: o.monitor } : {}),
  });
  return {
    app,
    ...(irc ? { irc } : {}),
    stop: async () => {
      await app.stop();
      ircRedis?.disconnect();
    },
  };
}

/** What is waiting in a network's outbox (Slack, when no Slack adapter drains it). */
export async function outboxLines(queues: QueueContext, network: string): Promise<OutgoingMessage[]> {
  const q = outboxQueue(queues, network);
  try {
    // oldest first: the order they were posted in
    return (await q.getJobs(['waiting'], 0, -1, true)).map((j) => j.data);
  } finally {
    await q.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `fn` is truthy (state reached through Redis or a watch). */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
