// src/core/trim-deps.ts as main.ts installs it, each case in a Node process of its own (Jest's module
// system bypasses resolution hooks): what is left out is not there and the libraries still work; what is
// deferred loads, the real package, the moment it is used.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildIfStale, root } from './support/cli-session.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';

const execFileP = promisify(execFile);
const prefix = freshPrefix('trim');
beforeAll(() => buildIfStale(), 180_000);
afterAll(() => dropPrefix(prefix));

/** Runs `code` (an ES module body that prints one JSON line) with the hook installed first, or without it. */
async function inProcess<T>(hooked: boolean, code: string): Promise<T> {
  const hook = join(root, 'dist/src/core/trim-deps.js');
  const head = hooked ? `(await import(${JSON.stringify(hook)})).trimDependencies();\n` : '';
  const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', head + code], { cwd: root, timeout: 20_000 });
  return JSON.parse(stdout.trim()) as T;
}

test('zod has no locales and still says what is wrong in English', async () => {
  const code = `const { z } = await import('zod');
    const message = z.strictObject({ port: z.number() }).safeParse({ port: 'x' }).error.issues[0].message;
    console.log(JSON.stringify({ locales: Object.keys(z.locales).length, message }));`;
  type Zod = { locales: number; message: string };
  const [slim, whole] = await Promise.all([inProcess<Zod>(true, code), inProcess<Zod>(false, code)]);
  expect(whole.locales).toBeGreaterThan(30);
  expect(slim.locales).toBe(0);
  expect(slim.message).toBe('Invalid input: expected number, received string');
  expect(slim.message).toBe(whole.message);
});

test('BullMQ has no PostgreSQL backend or Valkey GLIDE client, a job still goes through a queue and a worker on Redis, and cron-parser loads at the first cron pattern', async () => {
  const code = (queue: string) => `const b = await import('bullmq');
    const { Redis } = await import('ioredis');
    const { createRequire } = await import('node:module');
    const cache = createRequire(${JSON.stringify(join(root, 'package.json'))}).cache;
    const cronLoaded = () => Object.keys(cache).some((f) => f.includes('/node_modules/cron-parser/'));
    const connection = new Redis(${JSON.stringify(REDIS_URL)}, { maxRetriesPerRequest: null });
    const listening = connection.duplicate();
    const opts = { connection, prefix: ${JSON.stringify(prefix)} };
    const worker = new b.Worker(${JSON.stringify(queue)}, async (job) => job.data.n * 2, opts);
    const events = new b.QueueEvents(${JSON.stringify(queue)}, { connection: listening, prefix: ${JSON.stringify(prefix)} });
    await events.waitUntilReady();
    const queue = new b.Queue(${JSON.stringify(queue)}, opts);
    const job = await queue.add('double', { n: 21 });
    const answer = await job.waitUntilFinished(events, 10_000);
    const cronAtStart = cronLoaded();
    // 03:00 UTC every day: the scheduler's next run is the next 03:00
    await queue.upsertJobScheduler('nightly', { pattern: '0 3 * * *', tz: 'UTC' });
    const next = (await queue.getJobScheduler('nightly')).next;
    const nextAt3 = new Date(next).toISOString().endsWith('T03:00:00.000Z') && next > Date.now() && next - Date.now() <= 86_400_000;
    await queue.removeJobScheduler('nightly');
    await Promise.all([worker.close(), queue.close(), events.close()]);
    connection.disconnect();
    listening.disconnect();
    const gone = ['PostgresQueueBackend', 'createPostgresBackend', 'createValkeyGlideClient'].filter((k) => !(k in b));
    console.log(JSON.stringify({ answer, gone, cronAtStart, nextAt3, cronAtEnd: cronLoaded() }));`;
  type Bull = { answer: number; gone: string[]; cronAtStart: boolean; nextAt3: boolean; cronAtEnd: boolean };
  const [slim, whole] = await Promise.all([inProcess<Bull>(true, code('slim')), inProcess<Bull>(false, code('whole'))]);
  const gone = ['PostgresQueueBackend', 'createPostgresBackend', 'createValkeyGlideClient'];
  expect(slim).toEqual({ answer: 42, gone, cronAtStart: false, nextAt3: true, cronAtEnd: true });
  expect(whole).toEqual({ answer: 42, gone: [], cronAtStart: true, nextAt3: true, cronAtEnd: true });
});

test('the libraries imported all at once (parallel dynamic imports) load under the hook', async () => {
  // an ES module given both to an ES import and to a require() can fail with ERR_REQUIRE_ESM_RACE_CONDITION
  const code = `const names = ['ioredis', 'bullmq', 'zod', 'yaml', 'irc-framework', 'pino', 'prom-client', 'commander'];
    const loaded = await Promise.all(names.map((m) => import(m)));
    console.log(JSON.stringify(loaded.map((m) => Object.keys(m).length > 0)));`;
  expect(await inProcess<boolean[]>(true, code)).toEqual(Array(8).fill(true));
});

interface Deferred {
  atStart: string[];
  socksError?: string;
  cpuMetric?: boolean;
  atEnd: string[];
}

/** Loads irc-framework and prom-client, then optionally uses what the hook deferred. */
const deferredCode = (use: boolean) => `const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(join(root, 'package.json'))});
    const loaded = () => [...new Set(Object.keys(require.cache).flatMap((f) => /node_modules\\/(socks|@opentelemetry\\/api)\\//.exec(f)?.[1] ?? []))].sort();
    await import('irc-framework');
    const prom = await import('prom-client');
    const seen = { atStart: loaded() };
    if (${use}) {
      // what irc-framework's transport calls with a SOCKS proxy configured (a closed port: the real client's error)
      const { SocksClient } = createRequire(require.resolve('irc-framework/src/transports/net.js'))('socks');
      seen.socksError = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: 9, type: 5 }, command: 'connect', destination: { host: 'irc.example', port: 6697 } }).then(() => 'connected', (e) => e.constructor.name);
      // the CPU metric with exemplars: the path that asks OpenTelemetry for the current span
      const register = new prom.Registry(prom.Registry.OPENMETRICS_CONTENT_TYPE);
      prom.collectDefaultMetrics({ register, enableExemplars: true });
      seen.cpuMetric = /^process_cpu_user_seconds_total \\d/m.test(await register.metrics());
    }
    seen.atEnd = loaded();
    console.log(JSON.stringify(seen));`;

test('irc-framework and prom-client load without socks and @opentelemetry/api; without the hook both are loaded', async () => {
  const [lazy, eager] = await Promise.all([inProcess<Deferred>(true, deferredCode(false)), inProcess<Deferred>(false, deferredCode(false))]);
  expect(eager.atStart).toEqual(['@opentelemetry/api', 'socks']);
  expect(lazy.atStart).toEqual([]);
  expect(lazy.atEnd).toEqual([]);
});

test('used through the stand-ins, the real socks and @opentelemetry/api load and answer as without the hook', async () => {
  const [lazy, eager] = await Promise.all([inProcess<Deferred>(true, deferredCode(true)), inProcess<Deferred>(false, deferredCode(true))]);
  expect(lazy.atStart).toEqual([]);
  expect(lazy.socksError).toBe('SocksClientError');
  expect(lazy.cpuMetric).toBe(true);
  expect(lazy.atEnd).toEqual(['@opentelemetry/api', 'socks']);
  expect({ ...lazy, atStart: [] }).toEqual({ ...eager, atStart: [] });
});
