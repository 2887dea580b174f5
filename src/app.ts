import type { Redis } from 'ioredis';
import { Access, type DirectoryLookup } from './auth/access.js';
import type { ChatAdapter } from './bot/adapter.js';
import { Gateway } from './bot/gateway.js';
import { readSecrets, type Secrets } from './config/load.js';
import type { Config } from './config/schema.js';
import type { Logger } from './core/log.js';
import { createFailFastRedis, createRedis } from './core/redis.js';
import { moveToTaggedKeys } from './core/key-layout.js';
import type { LeaderElector, LeaseBackend } from './leader/elector.js';
import { ServiceRegistry } from './core/registry.js';
import { verbRunner } from './handlers/execute.js';
import { reconcileScheduled } from './handlers/schedule-change.js';
import { allVerbs, type AnyVerb } from './handlers/index.js';
import { randomBytes } from 'node:crypto';
import { AuditLog } from './history/audit.js';
import type { HistoryAccess } from './history/access.js';
import { LinkSigner } from './history/links.js';
import { scheduleRetention } from './history/retention.js';
import { HistoryStore } from './history/store.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { Metrics } from './metrics.js';
import { startWorker } from './jobs/worker.js';
import { startAnnouncer, type Announcer } from './jobs/announce.js';
import { Outboxes, type QueueContext } from './jobs/queues.js';
import { systemClock, type Clock } from './maintenance/clock.js';
import { Monitor } from './monitor/monitor.js';
import type { KubeClient } from './kube/client.js';

export type Role = 'all' | 'gateway' | 'worker';

export interface AppOptions {
  config: Config;
  /** The secrets config/load read with the config (default: read them from the environment now, as config/load does). */
  secrets?: Secrets;
  role: Role;
  log: Logger;
  adapters: ChatAdapter[];
  /** Needed by workers. */
  kube?: KubeClient;
  directory?: DirectoryLookup;
  /** Override the Redis key prefix (tests use a fresh one each). */
  prefix?: string;
  redis?: Redis;
  workerConcurrency?: number;
  /** The verbs understood (default: every verb of src/handlers/index.ts). */
  verbs?: readonly AnyVerb[];
  /** Time for maintenance windows and the monitor (tests move a FakeClock). */
  clock?: Clock;
  /** Run the downtime monitor here (worker/all roles only); default config.monitor.enabled. */
  monitor?: boolean;
  /** The leader lease (tests: a Kubernetes Lease on the fake API); default from config.leader. */
  leaseBackend?: LeaseBackend;
}

export interface App {
  gateway?: Gateway;
  redis: Redis;
  access: Access;
  queues: QueueContext;
  /** The downtime monitor, when it runs in this process. */
  monitor?: Monitor;
  /** The maintenance announcements' worker (worker/all roles). */
  announcer?: Announcer;
  history: HistoryStore;
  metrics: Metrics;
  /** The HTTP server (/metrics, /healthz, /readyz, /jobs/N), when `http` is configured. */
  http?: HttpServer;
  links?: LinkSigner;
  /** Leader election between gateways (config.leader), in a gateway. */
  leader?: LeaderElector;
  stop(): Promise<void>;
}

/** Wire one process: a gateway (chat connections), a worker (verbs' jobs), or both. */
export async function startApp(o: AppOptions): Promise<App> {
  const redis = o.redis ?? createRedis(o.config.redis);
  const queues: QueueContext = { connection: redis, prefix: o.prefix ?? o.config.redis.prefix };
  const registry = new ServiceRegistry(o.config);
  const access = new Access(o.config, o.directory, new AuditLog(queues), (err) => o.log.error({ err }, 'audit write failed'));
  const stops: (() => Promise<void>)[] = [];
  const verbs = o.verbs ?? allVerbs;
  const clock = o.clock ?? systemClock;

  // Job history, its retention, metrics, and the HTTP server for /metrics, health and log pages.
  const history = new HistoryStore(queues);
  // keys of a release before the Redis Cluster layout move to theirs (src/core/key-layout.ts)
  const moved = await moveToTaggedKeys(redis, queues.prefix).catch((err: unknown) => (o.log.warn({ err }, 'moving keys to the cluster layout failed'), 0));
  if (moved) o.log.info({ moved }, 'keys moved to the Redis Cluster layout');
  await history.syncCounter().catch((err: unknown) => o.log.warn({ err }, 'job history counter check failed'));
  const metrics = new Metrics({ queues });
  // With leader election the gateways' leader alone trims (fenced); else every process may, one at a time (a lock).
  const elect = o.role !== 'worker' && !!o.config.leader;
  const startRetention = (fence?: () => Promise<void>) =>
    scheduleRetention(history, { ...o.config.history, everyMs: o.config.history.trimEveryMinutes * 60_000, log: o.log, ...(fence ? { fence } : {}) });
  let retention = elect ? undefined : startRetention();
  stops.push(
    () => retention?.stop() ?? Promise.resolve(),
    () => metrics.close(),
  );
  let links: LinkSigner | undefined;
  if (o.config.http) {
    const h = o.config.http;
    let secret = (o.secrets ?? readSecrets(o.config)).linkSecret;
    if (!secret || secret.length < 16) {
      o.log.warn({ env: h.linkSecretEnv }, 'no log-link secret (16+ characters) in the environment: links to log pages work only until this process restarts');
      secret = randomBytes(32).toString('hex');
    }
    links = new LinkSigner(secret, h.linkTtlHours * 3_600_000, h.publicUrl ?? '');
  }
  const historyAccess: HistoryAccess = { store: history, ...(links ? { links } : {}) };

  let monitor: Monitor | undefined;
  let announcer: Announcer | undefined;
  if (o.role !== 'gateway') {
    if (!o.kube) throw new Error('a worker needs a Kubernetes client');
    const w = startWorker({
      queues,
      runner: verbRunner(verbs, { config: o.config, registry, kube: o.kube, access, clock, scope: queues }),
      log: o.log,
      history,
      metrics,
      ...(o.workerConcurrency ? { concurrency: o.workerConcurrency } : {}),
    });
    stops.push(() => w.close());
    // scheduled changes whose job a crash may have lost (src/handlers/schedule-change.ts)
    await reconcileScheduled(queues).catch((err: unknown) => o.log.error({ err }, 'scheduled changes reconcile failed'));
    // maintenance announcements (delayed jobs) and the downtime monitor run with the verbs' jobs
    const a = (announcer = await startAnnouncer({ queues, config: o.config, log: o.log, clock }));
    stops.push(() => a.close());
    if (o.monitor ?? o.config.monitor.enabled) {
      const outboxes = new Outboxes(queues);
      const m = (monitor = new Monitor({ config: o.config, kube: o.kube, redis, prefix: queues.prefix, log: o.log, clock, post: (msg) => outboxes.post(msg) }));
      await m.start();
      stops.unshift(async () => {
        await m.stop();
        await outboxes.close();
      });
    }
  }
  let gateway: Gateway | undefined;
  let leader: LeaderElector | undefined;
  if (o.role !== 'worker') {
    // Commands are queued on a connection that fails at once while Redis is down: the asker hears so.
    const fast = createFailFastRedis(o.config.redis);
    fast.on('error', () => {}); // its state is read before each command; the main connection logs outages
    // up before the first command comes (it queues nothing meanwhile); Redis was checked just before
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      fast.once('ready', () => (clearTimeout(t), resolve()));
    });
    const leaderOnly = elect ? (['irc'] as const) : [];
    const g = (gateway = new Gateway({
      config: o.config,
      registry,
      access,
      queues,
      adapters: o.adapters,
      verbs,
      clock,
      log: o.log,
      history: historyAccess,
      metrics,
      leaderOnly,
      enqueueScope: { connection: fast, prefix: queues.prefix },
      ...(elect ? { fence: () => leader!.fence() } : {}),
    }));
    await g.start();
    stops.unshift(() => g.stop());
    if (elect) {
      // One gateway holds IRC and runs the singletons; the others stand by (Slack: every gateway).
      const { leaseBackend, startElection } = await import('./leader/leadership.js');
      const c = o.config.leader!;
      const backend = o.leaseBackend ?? (await leaseBackend(c, queues));
      leader = startElection(c, backend, {
        log: o.log,
        onElected: async () => {
          retention = startRetention(() => leader!.fence());
          await g.lead();
        },
        onDeposed: async () => {
          const r = retention;
          retention = undefined;
          await Promise.all([g.standDown(), r?.stop()]);
        },
      });
      const l = leader;
      stops.unshift(() => l.stop());
    } else {
      await g.lead();
    }
    stops.push(async () => fast.disconnect());
  }
  let http: HttpServer | undefined;
  if (o.role !== 'worker') metrics.watchAdapters(o.adapters);
  if (o.config.http) {
    http = await startHttpServer({
      port: o.config.http.port,
      host: o.config.http.host,
      redis,
      history,
      metrics,
      log: o.log,
      ...(links ? { links } : {}),
      // ready = connected, or standing by: a standby gateway's IRC is not connected, by design
      adapters: () => (o.role === 'worker' ? [] : o.adapters.filter((a) => a.network !== 'irc' || !leader || leader.isLeader)),
    });
    // Links posted in chat point at the public URL, else at where the server listens.
    if (links && !o.config.http.publicUrl) links = links.withBaseUrl(http.url);
    if (links) historyAccess.links = links;
    const server = http;
    stops.unshift(() => server.close());
    o.log.info({ url: http.url }, 'http server listening');
  }
  return {
    ...(gateway ? { gateway } : {}),
    ...(monitor ? { monitor } : {}),
    ...(announcer ? { announcer } : {}),
    history,
    metrics,
    ...(http ? { http } : {}),
    ...(links ? { links } : {}),
    ...(leader ? { leader } : {}),
    redis,
    access,
    queues,
    async stop() {
      for (const s of stops) await s().catch((err) => o.log.error({ err }, 'stop failed'));
      if (!o.redis) redis.disconnect();
    },
  };
}
