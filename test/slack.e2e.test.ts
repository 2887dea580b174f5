// Slack end to end: signed HTTP requests into the Bolt app, the gateway and the worker over the real
// Redis/BullMQ, the fake Kubernetes API seeded with the sandbox cluster, and the Web API stand-in
// recording what a user would see.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import type { SlackAdapter } from '../src/bot/slack.js';
import { slackTestAdapter } from './support/slack-bot.js';
import { allVerbs } from '../src/handlers/index.js';
import { defineVerb } from '../src/handlers/verb.js';
import { exampleConfig } from './support/config.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from './support/slack-api.js';
import { postSigned, slashCommandBody, mentionEventBody } from './support/slack-sign.js';
import { startStack, type Stack } from './support/stack.js';

const SECRET = 'e2e-signing-secret';
const TOKEN = 'xoxb-e2e-token';
const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
const CHANNEL = 'C0ANALYTICS';

// a harmless mutating verb, denied like a deploy would be
const touch = defineVerb({
  verb: 'touch',
  scope: 'service',
  mutating: true,
  environment: 'required',
  usage: '<service> touch <env>',
  summary: 'a harmless mutating verb for tests',
  parse: () => ({}),
  async check() {
    return { lines: ['touched'] };
  },
});

let api: FakeSlackApi;
let stack: Stack;
let slack: SlackAdapter;
let redis: Redis;
const slackPrefix = freshPrefix('slack');
let channelSeq = 0;

async function slash(command: string, text: string, channel = `${CHANNEL}${++channelSeq}`): Promise<{ channel: string; ackTs: string }> {
  const body = slashCommandBody({ command, text, user_id: ALICE.id, user_name: ALICE.name, channel_id: channel, response_url: api.responseUrl() });
  const res = await postSigned(slack.eventsUrl!, SECRET, body);
  expect(res.status).toBe(200);
  const ack = await api.waitFor((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && !c.args.thread_ts);
  const ackTs = api.messages.find((m) => m.channel === channel && m.text === ack.args.text)!.ts;
  return { channel, ackTs };
}

const threadReply = (channel: string, ackTs: string) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && c.args.thread_ts === ackTs;

beforeAll(async () => {
  api = await startFakeSlackApi({ token: TOKEN, users: [ALICE] });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const made = slackTestAdapter(api, { token: TOKEN, secret: SECRET, redis, prefix: slackPrefix });
  slack = made.slack;
  const slackConfig = made.slackConfig;
  const base = exampleConfig();
  base.services.superset!.permissions.touch = ['superset-admins'];
  stack = await startStack({ adapters: [slack], verbs: [...allVerbs, touch], config: { slack: slackConfig, services: base.services } });
}, 30000);

beforeEach(() => api.reset());

afterAll(async () => {
  await stack?.stop();
  await api?.close();
  await dropPrefix(slackPrefix);
  redis?.disconnect();
});

test('/superset status: the status lands as blocks in the thread under the acknowledgement', async () => {
  const { channel, ackTs } = await slash('/superset', 'status');
  const ack = api.messages.find((m) => m.ts === ackTs)!;
  expect(ack.text).toBe(':hourglass_flowing_sand: <@U0ALICE> ran `/superset status` — working on it…');

  const reply = await api.waitFor(threadReply(channel, ackTs));
  const blocks = reply.args.blocks as { type: string; text: { text: string } }[];
  if (process.env.SLACK_SHOW_BLOCKS) process.stderr.write(`${JSON.stringify(reply.args, null, 2)}\n`);
  expect(blocks).toHaveLength(2);
  expect(blocks[0]).toEqual({
    type: 'section',
    text: { type: 'mrkdwn', text: ':white_check_mark: *superset production*  4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d' },
  });
  expect(blocks[1]!.text.text).toMatch(
    /^:x: \*superset staging\*  1\/2 ready, image 2026-06-02-091245, 17 restarts, up 6d, deployment superset-staging 1\/2 available\n```\nsuperset-staging-[a-z0-9-]+: CrashLoopBackOff \(.*\), 17 restarts, 6d old\nevent: superset-staging-…-[a-z0-9]{5}: BackOff ×412, last \d+s ago: Back-off restarting failed container superset-staging\n```$/,
  );
  // the plain text (notifications, screen readers) says it too
  expect(reply.args.text).toMatch(/^superset production: 4\/4 ready.*\nsuperset staging: 1\/2 ready/);
  // and the acknowledgement no longer says "working on it"
  const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === ackTs);
  expect(update.args.text).toBe('<@U0ALICE> ran `/superset status`');
  expect(api.calls.filter((c) => c.method === 'chat.postEphemeral')).toHaveLength(0);
});

test('@deckhand superset status production answers in the thread of the mention', async () => {
  const body = mentionEventBody({ user: ALICE.id, channel: 'C0MENTION', text: `<@${api.botUserId}> superset status production` });
  expect((await postSigned(slack.eventsUrl!, SECRET, body, { json: true })).status).toBe(200);
  const ts = (JSON.parse(body) as { event: { ts: string } }).event.ts;
  const reply = await api.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts);
  expect(reply.args.channel).toBe('C0MENTION');
  expect((reply.args.blocks as unknown[]).length).toBe(1);
});

test('a usage error is ephemeral: only the asker sees it, in the thread', async () => {
  const { channel, ackTs } = await slash('/superset', 'stauts');
  const eph = await api.waitFor((c) => c.method === 'chat.postEphemeral');
  expect(eph.ok).toBe(true);
  expect(eph.args).toMatchObject({ channel, user: ALICE.id, thread_ts: ackTs });
  expect(eph.args.text).toMatch(/^alice: unknown command "stauts" \(did you mean (start, )?status/);
  expect(api.thread(channel, ackTs)).toHaveLength(0);
  const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === ackTs);
  expect(update.args.text).toBe('<@U0ALICE> ran `/superset stauts` — answered privately');
});

test('a denial is ephemeral and says what is needed', async () => {
  const { channel, ackTs } = await slash('/deckhand', 'superset touch staging');
  const eph = await api.waitFor((c) => c.method === 'chat.postEphemeral');
  expect(eph.args).toMatchObject({ channel, user: ALICE.id, thread_ts: ackTs });
  expect(eph.args.text).toBe('alice: touch superset staging: account U0ALICE has no directory user');
  expect(api.thread(channel, ackTs)).toHaveLength(0);
});

test('a 429 with Retry-After: 1 on the result post delays it, then delivers it', async () => {
  const pending = slash('/superset', 'status production');
  // rate-limit the next post after the acknowledgement: the result
  const ackSeen = await api.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
  api.rateLimit('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
  const { channel, ackTs } = await pending;
  const limited = await api.waitFor((c) => c.method === 'chat.postMessage' && c.status === 429);
  const reply = await api.waitFor(threadReply(channel, ackTs), 10000);
  expect(limited.args.thread_ts).toBe(ackTs);
  expect(reply.at - limited.at).toBeGreaterThanOrEqual(1000);
  expect(reply.at - ackSeen.at).toBeLessThan(5000);
  expect(api.thread(channel, ackTs)).toHaveLength(1); // delivered exactly once
});

// Request → result time is measured by `npm run bench` (slackStatusMs).

test('/superset logs and events: the log lines redacted in the thread, the job log as a command to type; events grouped', async () => {
  const pods = await stack.kube.listPods(undefined, 'superset', '');
  const name = pods.map((p) => p.metadata!.name!).sort()[1]!;
  stack.api.logs.set('superset', name, 'superset-production', ['GET /api/v1/chart/data 200', `token=${'x'.repeat(3)}AbCdEf1234567890GhIjKlMnOpQrStUv`, 'done']);
  const { channel, ackTs } = await slash('/superset', `logs ${name} production --lines 3`);
  const reply = await api.waitFor(threadReply(channel, ackTs));
  const text = String(reply.args.text);
  if (process.env.SLACK_SHOW_BLOCKS) process.stderr.write(`${JSON.stringify(reply.args, null, 2)}\n`);
  expect(text).toContain(`superset production: ${name} (container superset-production): 3 lines`);
  expect(text).toContain('token=[redacted]');
  expect(text).not.toContain('AbCdEf1234567890');
  expect(text).toMatch(/\nfull log: \/deckhand job \d+ log$/);

  const ev = await slash('/superset', 'events staging');
  const events = await api.waitFor(threadReply(ev.channel, ev.ackTs));
  expect(events.args.text).toBe('superset staging: 412 Warning events about 1 object');
  // a block: the heading, and the groups as preformatted lines
  const [block] = events.args.blocks as { text: { text: string } }[];
  expect(block!.text.text).toMatch(
    /^:x: \*superset staging\*  412 Warning events about 1 object\n```\nsuperset-staging-…-[a-z0-9]{5}: BackOff ×412, last \d+s ago: Back-off restarting failed container superset-staging\n```$/,
  );
});
