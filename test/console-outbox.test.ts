// Two consoles on one Redis, each a gateway of its own, and one worker: each console's answers come back
// to that console alone (before, the two took each other's replies from one shared outbox: one asked
// six times and read one answer, the other read the rest).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { startApp, type App } from '../src/app.js';
import { ConsoleAdapter } from '../src/bot/console.js';
import { exampleConfig } from './support/config.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { StaticDirectory } from './support/static-directory.js';
import { verbsWithSlow } from './support/slow-verb.js';
import type { KubeClient } from '../src/kube/client.js';

const prefix = freshPrefix('consoles');
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const config = exampleConfig({ redis: { url: REDIS_URL, prefix }, monitor: { enabled: false }, rateLimit: { perMinute: 0 } });
const apps: App[] = [];
const consoles: { input: PassThrough; text: () => string }[] = [];

beforeAll(async () => {
  apps.push(
    await startApp({
      config,
      role: 'worker',
      log,
      adapters: [],
      kube: {} as KubeClient,
      directory: new StaticDirectory(),
      verbs: verbsWithSlow,
      prefix,
      monitor: false,
    }),
  );
  for (const user of ['alice', 'carol']) {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => (text += d.toString()));
    const adapter = new ConsoleAdapter({ input, output, user, terminal: false, answerTimeoutMs: 100 });
    apps.push(await startApp({ config, role: 'gateway', log, adapters: [adapter], directory: new StaticDirectory(), verbs: verbsWithSlow, prefix }));
    consoles.push({ input, text: () => text });
  }
}, 30_000);

afterAll(async () => {
  for (const a of apps.reverse()) await a.stop();
  await dropPrefix(prefix);
});

it('each console reads its own six answers, none of the other', async () => {
  for (let i = 1; i <= 6; i++) {
    consoles[0]!.input.write(`superset slow 50 a${i}\n`);
    consoles[1]!.input.write(`superset slow 50 c${i}\n`);
  }
  const end = Date.now() + 15_000;
  const count = (c: number, re: RegExp) => (consoles[c]!.text().match(re) ?? []).length;
  while ((count(0, /\ba\d done/g) < 6 || count(1, /\bc\d done/g) < 6) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  expect(count(0, /\ba\d done/g)).toBe(6);
  expect(count(1, /\bc\d done/g)).toBe(6);
  expect(count(0, /\bc\d done/g)).toBe(0);
  expect(count(1, /\ba\d done/g)).toBe(0);
}, 30_000);
