// Redis unreachable (a relay in front of the real Redis cuts every connection; Redis keeps its data):
// - a job that finishes during an outage longer than its BullMQ lock is answered once, recorded as
//   succeeded, and never reported stalled or interrupted once Redis is back;
// - while Redis is down, a command typed on IRC and a signed Slack slash command are both answered
//   within 3 s with "the job queue is unreachable, try again in a moment", and nothing of them is
//   recorded or run later.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startApp, type App } from '../src/app.js';
import type { SlackAdapter } from '../src/bot/slack.js';
import { createRedis, QUEUE_UNREACHABLE } from '../src/core/redis.js';
import { ServiceRegistry } from '../src/core/registry.js';
import { verbRunner } from '../src/handlers/execute.js';
import { AuditLog } from '../src/history/audit.js';
import { HistoryStore } from '../src/history/store.js';
import { startWorker } from '../src/jobs/worker.js';
import type { KubeClient } from '../src/kube/client.js';
import { systemClock } from '../src/maintenance/clock.js';
import { Access } from '../src/auth/access.js';
import { exampleConfig } from './support/config.js';
import { CaptureAdapter } from './support/deploy-harness.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startRedisGate, type RedisGate } from './support/redis-gate.js';
import { startFakeSlackApi, type FakeSlackApi } from './support/slack-api.js';
import { slackTestAdapter } from './support/slack-bot.js';
import { postSigned, slashCommandBody } from './support/slack-sign.js';
import { StaticDirectory } from './support/static-directory.js';
import { verbsWithSlow } from './support/slow-verb.js';

const TOKEN = 'xoxb-outage';
const SECRET = 'outage-signing-secret';
const LOCK_MS = 1500;

let gate: RedisGate;
let app: App;
let chat: CaptureAdapter;
let slack: SlackAdapter;
let slackApi: FakeSlackApi;
let direct: Redis;
let worker: ReturnType<typeof startWorker>;
let workerRedis: Redis;
let slackRedis: Redis;
const prefix = freshPrefix('outage');
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

beforeAll(async () => {
  gate = await startRedisGate();
  direct = new Redis(REDIS_URL);
  slackApi = await startFakeSlackApi({ token: TOKEN, users: [{ id: 'U0ALICE', name: 'alice' }] });
  const config = exampleConfig({ redis: { url: gate.url, prefix }, monitor: { enabled: false } });
  chat = new CaptureAdapter('irc');
  // the Slack adapter's Redis fails at once while Redis is down, as the CLI gives it (createFailFastRedis)
  const { createFailFastRedis } = await import('../src/core/redis.js');
  slackRedis = createFailFastRedis(gate.url);
  slackRedis.on('error', () => {});
  slack = slackTestAdapter(slackApi, { token: TOKEN, secret: SECRET, redis: slackRedis, prefix }).slack;
  app = await startApp({ config, role: 'gateway', log, adapters: [chat, slack], directory: new StaticDirectory(), verbs: verbsWithSlow, prefix });
  // the worker with a short job lock, so that an outage of a few seconds outlasts it
  workerRedis = createRedis(gate.url);
  workerRedis.on('error', () => {});
  const scope = { connection: workerRedis, prefix };
  const access = new Access(config, new StaticDirectory(), new AuditLog(scope));
  worker = startWorker({
    queues: scope,
    runner: verbRunner(verbsWithSlow, { config, registry: new ServiceRegistry(config), kube: {} as KubeClient, access, clock: systemClock, scope }),
    log,
    history: new HistoryStore(scope),
    lockDurationMs: LOCK_MS,
    stalledIntervalMs: 1000,
  });
  await worker.worker.waitUntilReady();
}, 30_000);

afterAll(async () => {
  gate.up();
  await worker?.close();
  await app?.stop();
  workerRedis?.disconnect();
  slackRedis?.disconnect();
  await slackApi?.close();
  await gate?.close();
  await dropPrefix(prefix);
  direct?.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a job that finishes during an outage longer than its lock: answered once, succeeded, never "stalled" or "interrupted"', async () => {
  chat.say('alice', '!superset slow 1500 during');
  await sleep(400); // running on the worker
  gate.down();
  await sleep(LOCK_MS * 3); // the job ends meanwhile; its lock runs out
  gate.up();
  await chat.waitFor(/^alice: during done$/, 15_000);
  await sleep(5000); // the stalled check and its grace come and go
  const lines = chat.sent.map((s) => s.line);
  expect(lines.filter((l) => l === 'alice: during done')).toHaveLength(1);
  expect(lines.filter((l) => /stalled|interrupted|failed/i.test(l))).toEqual([]);
  const history = new HistoryStore({ connection: direct, prefix });
  const records = await history.query({ limit: 10 });
  const rec = records.find((r) => r.kind === 'slow');
  expect(rec?.status).toBe('succeeded');
}, 40_000);

it('while Redis is down: IRC and Slack are told within 3 s that the queue is unreachable, and nothing is recorded or run later', async () => {
  const before = (await new HistoryStore({ connection: direct, prefix }).query({ limit: 50 })).length;
  gate.down();
  await sleep(300);
  const t0 = Date.now();
  chat.say('alice', '!superset slow 0 lost');
  const irc = await chat.waitFor((s) => s.line.includes(QUEUE_UNREACHABLE), 3000);
  expect(irc.at - t0).toBeLessThan(3000);
  expect(irc.line).toBe(`alice: ${QUEUE_UNREACHABLE}`);

  const t1 = Date.now();
  const body = slashCommandBody({
    command: '/deckhand',
    text: 'superset slow 0 lost-slack',
    user_id: 'U0ALICE',
    user_name: 'alice',
    channel_id: 'C0OPS',
    response_url: slackApi.responseUrl(),
  });
  const res = await postSigned(slack.eventsUrl!, SECRET, body);
  expect(res.status).toBe(200);
  for (let i = 0; !slackApi.responses.some((r) => r.body.text?.includes(QUEUE_UNREACHABLE)); i++) {
    if (Date.now() - t1 > 3000) throw new Error(`no answer on Slack within 3 s: ${JSON.stringify(slackApi.responses)}`);
    await sleep(20);
  }

  gate.up();
  await sleep(3000);
  const lines = chat.sent.map((s) => s.line);
  expect(lines.filter((l) => /lost/.test(l))).toEqual([]);
  expect(slackApi.calls.filter((c) => JSON.stringify(c).includes('lost-slack done'))).toEqual([]);
  const after = await new HistoryStore({ connection: direct, prefix }).query({ limit: 50 });
  expect(after.length).toBe(before);
}, 30_000);
