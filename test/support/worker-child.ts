/**
 * A Deckhand worker in a process of its own, so a test can kill it with SIGKILL mid-deploy.
 * Started by spawnWorker() below with Node 24's TypeScript support and test/support/ts-loader.mjs.
 */
import { pino } from 'pino';
import { Access } from '../../src/auth/access.js';
import { parseConfig } from '../../src/config/load.js';
import { createRedis } from '../../src/core/redis.js';
import { ServiceRegistry } from '../../src/core/registry.js';
import { AuditLog } from '../../src/history/audit.js';
import { HistoryStore } from '../../src/history/store.js';
import { verbRunner } from '../../src/handlers/execute.js';
import { allVerbs } from '../../src/handlers/index.js';
import { systemClock } from '../../src/maintenance/clock.js';
import { startWorker } from '../../src/jobs/worker.js';
import type { KubeClient } from '../../src/kube/client.js';
import { directoryFor } from './directory.js';
import type { Slapd } from './slapd.js';
import { StaticDirectory } from './static-directory.js';

interface Spec {
  prefix: string;
  config: unknown;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Read people and groups from this slapd (as the production worker does) instead of the static directory. */
  slapd?: Pick<Slapd, 'url' | 'bindDn' | 'bindPassword' | 'base'>;
}

const spec = JSON.parse(process.env.DECKHAND_TEST_WORKER ?? '{}') as Spec;
const config = parseConfig(spec.config);
const redis = createRedis(config.redis.url);
const directory = spec.slapd ? directoryFor(spec.slapd as Slapd).lookup : new StaticDirectory();
const access = new Access(config, directory, new AuditLog({ connection: redis, prefix: spec.prefix }));
const w = startWorker({
  queues: { connection: redis, prefix: spec.prefix },
  runner: verbRunner(allVerbs, {
    config,
    registry: new ServiceRegistry(config),
    kube: {} as KubeClient,
    access,
    clock: systemClock,
    scope: { connection: redis, prefix: spec.prefix },
  }),
  log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  // the job history, as the production worker keeps it (`jobs` shows what ran here)
  history: new HistoryStore({ connection: redis, prefix: spec.prefix }),
  ...(spec.lockDurationMs ? { lockDurationMs: spec.lockDurationMs } : {}),
  ...(spec.stalledIntervalMs ? { stalledIntervalMs: spec.stalledIntervalMs } : {}),
});
await w.worker.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => void w.close().then(() => process.exit(0)));
