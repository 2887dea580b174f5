import type { Redis } from 'ioredis';
import { Access, type DirectoryLookup } from './auth/access.js';
import type { ChatAdapter } from './bot/adapter.js';
import { Gateway } from './bot/gateway.js';
import type { Config } from './config/schema.js';
import type { Logger } from './core/log.js';
import { createRedis } from './core/redis.js';
import { ServiceRegistry } from './core/registry.js';
import { handlers as allHandlers } from './handlers/index.js';
import type { Handler } from './handlers/types.js';
import { AuditLog } from './history/audit.js';
import type { QueueContext } from './jobs/queues.js';
import { startWorker } from './jobs/worker.js';
import type { KubeClient } from './kube/client.js';

export type Role = 'all' | 'gateway' | 'worker';

export interface AppOptions {
  config: Config;
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
  /** The verbs understood (default: all of src/handlers). */
  handlers?: readonly Handler[];
}

export interface App {
  gateway?: Gateway;
  redis: Redis;
  access: Access;
  queues: QueueContext;
  stop(): Promise<void>;
}

/** Wire one process: a gateway (chat connections), a worker (processors), or both. */
export async function startApp(o: AppOptions): Promise<App> {
  const redis = o.redis ?? createRedis(o.config.redis.url);
  const queues: QueueContext = { connection: redis, prefix: o.prefix ?? o.config.redis.prefix };
  const registry = new ServiceRegistry(o.config);
  const access = new Access(o.config, o.directory, new AuditLog(redis, queues.prefix));
  const stops: (() => Promise<void>)[] = [];
  const handlers = o.handlers ?? allHandlers;

  if (o.role !== 'gateway') {
    if (!o.kube) throw new Error('a worker needs a Kubernetes client');
    const w = startWorker({
      queues,
      context: { config: o.config, registry, kube: o.kube, access, log: o.log },
      handlers,
      ...(o.workerConcurrency ? { concurrency: o.workerConcurrency } : {}),
    });
    stops.push(() => w.close());
  }
  let gateway: Gateway | undefined;
  if (o.role !== 'worker') {
    gateway = new Gateway({ config: o.config, registry, access, queues, adapters: o.adapters, handlers, log: o.log });
    await gateway.start();
    stops.unshift(() => gateway!.stop());
  }
  return {
    ...(gateway ? { gateway } : {}),
    redis,
    access,
    queues,
    async stop() {
      for (const s of stops) await s().catch((err) => o.log.error({ err }, 'stop failed'));
      if (!o.redis) redis.disconnect();
    },
  };
}
