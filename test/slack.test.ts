// The Slack adapter on its own: real signed HTTP requests into the running Bolt app, the Web API
// pointed at the local stand-in (test/support/slack-api.ts), de-duplication in the real Redis.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SlackAdapter, slackSecrets } from '../src/bot/slack.js';
import { chunkLines, renderMessage, SECTION_MAX } from '../src/bot/slack/blocks.js';
import { mentionText, parseThreadHandle, slashCommandText, threadHandle } from '../src/bot/slack/text.js';
import type { SlackConfig } from '../src/config/schema.js';
import type { RenderedMessage } from '../src/bot/adapter.js';
import type { ChatMessage } from '../src/core/types.js';
import { exampleConfig } from './support/config.js';
import { recordFigures } from './support/figures.js';
import { startFakeSlackApi, type FakeSlackApi } from './support/slack-api.js';
import { blockActionsBody } from './support/slack-click.js';
import { mentionEventBody, postSigned, slashCommandBody, triggerId } from './support/slack-sign.js';

const SECRET = 'test-signing-secret-8f2d1c';
const TOKEN = 'xoxb-test-token';
const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
const BOB = { id: 'U0BOB', name: 'bob' }; // no e-mail in the profile
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let api: FakeSlackApi;
let redis: Redis;
let adapter: SlackAdapter;
let url: string;
const prefix = `dh-slack-test-${randomBytes(4).toString('hex')}`;
const received: ChatMessage[] = [];
const waiters = new Set<() => void>();

function slackConfig(overrides: Partial<SlackConfig> = {}): SlackConfig {
  return {
    mode: 'http',
    signingSecretEnv: 'SLACK_SIGNING_SECRET',
    botTokenEnv: 'SLACK_BOT_TOKEN',
    appTokenEnv: 'SLACK_APP_TOKEN',
    port: 0,
    apiUrl: api.apiUrl,
    ...overrides,
  };
}

function nextMessage(pred: (m: ChatMessage) => boolean = () => true, timeoutMs = 5000): Promise<ChatMessage> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = received.find(pred);
      if (!m) return;
      waiters.delete(check);
      clearTimeout(t);
      resolve(m);
    };
    const t = setTimeout(() => {
      waiters.delete(check);
      reject(new Error('no ChatMessage arrived'));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function slash(command: string, text: string, o: { channel?: string; user?: typeof ALICE | typeof BOB; trigger?: string } = {}): string {
  const user = o.user ?? ALICE;
  return slashCommandBody({
    command,
    text,
    user_id: user.id,
    user_name: user.name,
    channel_id: o.channel ?? 'C0OPS',
    response_url: api.responseUrl(),
    ...(o.trigger ? { trigger_id: o.trigger } : {}),
  });
}

beforeAll(async () => {
  api = await startFakeSlackApi({ token: TOKEN, users: [ALICE, BOB] });
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  adapter = new SlackAdapter({ config: slackConfig(), botToken: TOKEN, signingSecret: SECRET, redis, prefix, log, rate: { burst: 4, perSecond: 1 } });
  await adapter.start((m) => {
    received.push(m);
    for (const w of [...waiters]) w();
  });
  url = adapter.eventsUrl!;
});

afterEach(() => {
  received.length = 0;
  api.reset();
});

afterAll(async () => {
  await adapter?.stop();
  await api?.close();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
});

describe('requests are verified like Slack does', () => {
  test('auth.test ran at start (Bolt learns its own user id)', () => {
    expect(adapter.connected).toBe(true);
    expect(adapter.port).toBeGreaterThan(0);
  });

  test('a forged signature gets 401 and runs nothing', async () => {
    const body = slash('/superset', 'status');
    const res = await postSigned(url, 'not-the-secret', body);
    expect(res.status).toBe(401);
    const tampered = await postSigned(url, SECRET, body, { headers: { 'x-slack-signature': 'v0=' + '0'.repeat(64) } });
    expect(tampered.status).toBe(401);
    recordFigures('slackRequests', { forgedSignature: res.status, zeroSignature: tampered.status });
    await sleep(100);
    expect(received).toHaveLength(0);
    expect(api.ok('chat.postMessage')).toHaveLength(0);
  });

  test('a correctly signed request older than 5 minutes gets 401 (replay)', async () => {
    const res = await postSigned(url, SECRET, slash('/superset', 'status'), { timestamp: Math.floor(Date.now() / 1000) - 5 * 60 - 5 });
    expect(res.status).toBe(401);
    recordFigures('slackRequests', { staleTimestamp: res.status });
    await sleep(100);
    expect(received).toHaveLength(0);
  });

  test.each([
    ['6 minutes ahead', 6 * 60],
    ['a day ahead', 86400],
  ])('a correctly signed request stamped %s gets 401 (Slack allows five minutes either way; Bolt checks only the past)', async (_what, ahead) => {
    const now = Math.floor(Date.now() / 1000);
    const res = await postSigned(url, SECRET, slash('/superset', 'status'), { timestamp: now + ahead });
    expect(res.status).toBe(401);
    // a click (interactivity payload) the same
    const click = blockActionsBody({ type: 'block_actions', user: { id: ALICE.id }, actions: [{ action_id: 'deckhand:confirm', value: 'confirm abcdef' }] });
    const clickAhead = (await postSigned(url, SECRET, click, { timestamp: now + ahead })).status;
    const clickForged = (await postSigned(url, 'not-the-secret', click)).status;
    expect([clickAhead, clickForged]).toEqual([401, 401]);
    recordFigures('slackRequests', { [`futureTimestamp${ahead}s`]: res.status, clickFutureTimestamp: clickAhead, clickForgedSignature: clickForged });
    await sleep(100);
    expect(received).toHaveLength(0);
    expect(api.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
    // within the window a clock a little ahead is fine
    expect((await postSigned(url, SECRET, slash('/superset', 'status'), { timestamp: now + 60 })).status).toBe(200);
    await nextMessage();
  });

  test.each([
    ['5 KB', 5_000],
    ['1 MB', 1_000_000],
  ])('the acknowledgement repeats at most a line of a %s command (the command itself is refused as too long)', async (_what, n) => {
    const res = await postSigned(url, SECRET, slash('/superset', `status ${'x'.repeat(n)}`));
    expect(res.status).toBe(200);
    await nextMessage();
    const ack = api.ok('chat.postMessage')[0]!;
    expect(String(ack.args.text).length).toBeLessThan(300);
    expect(String(ack.args.text)).toMatch(/^:hourglass_flowing_sand: <@U0ALICE> ran `\/superset status x+…`/);
  });

  test('a body changed after signing gets 401', async () => {
    const body = slash('/superset', 'status');
    const ts = Math.floor(Date.now() / 1000);
    const { signedHeaders } = await import('./support/slack-sign.js');
    const headers = signedHeaders(SECRET, body, 'application/x-www-form-urlencoded', { timestamp: ts });
    const res = await fetch(url, { method: 'POST', headers, body: body.replace('status', 'deploy') });
    expect(res.status).toBe(401);
    recordFigures('slackRequests', { tamperedBody: res.status });
  });
});

describe('slash commands', () => {
  test('/superset status: acked at once, "working on it" posted, the command handed over with a thread to answer in', async () => {
    const res = await postSigned(url, SECRET, slash('/superset', 'status'));
    expect(res.status).toBe(200);
    expect(res.body).toBe(''); // nothing shown from the HTTP answer itself: the acknowledgement is a real message
    const msg = await nextMessage();
    const ack = api.ok('chat.postMessage')[0]!;
    expect(ack.args).toMatchObject({ channel: 'C0OPS', text: expect.stringContaining('working on it') });
    expect(ack.args.text).toContain('<@U0ALICE> ran `/superset status`');
    const ackTs = api.messages[0]!.ts;
    expect(msg).toEqual({
      network: 'slack',
      channel: 'C0OPS',
      isPrivate: false,
      threadId: ackTs,
      sender: { id: 'U0ALICE', nick: 'alice', account: 'U0ALICE' },
      text: 'superset status',
      messageId: expect.stringMatching(/^cmd:T0TEST:/),
    });
  });

  test('/deckhand <service> <verb> and a bare /deckhand', async () => {
    await postSigned(url, SECRET, slash('/deckhand', 'airflow-search status production'));
    await postSigned(url, SECRET, slash('/deckhand', ''));
    await postSigned(url, SECRET, slash('/paws', ''));
    await nextMessage((m) => m.text === 'airflow-search status production');
    await nextMessage((m) => m.text === 'help');
    await nextMessage((m) => m.text === 'paws');
  });

  test('a retry (X-Slack-Retry-Num: 1) of the same request runs once', async () => {
    const body = slash('/superset', 'status', { trigger: triggerId() });
    const first = await postSigned(url, SECRET, body);
    const retry = await postSigned(url, SECRET, body, { retryNum: 1, retryReason: 'http_timeout' });
    const again = await postSigned(url, SECRET, body, { retryNum: 2 });
    const replay = await postSigned(url, SECRET, body); // the same request sent again, as an attacker would
    expect([first.status, retry.status, again.status, replay.status]).toEqual([200, 200, 200, 200]); // acked, so Slack stops retrying
    await nextMessage();
    await sleep(300);
    expect(received).toHaveLength(1);
    recordFigures('slackRequests', { sentOnceRetriedTwiceReplayedOnce: 4, ran: received.length });
    expect(api.ok('chat.postMessage')).toHaveLength(1);
    expect(await redis.keys(`${prefix}:slack:seen:cmd:*`)).not.toHaveLength(0);
  });

  test('in a channel the bot cannot post in, the acknowledgement and the answers go through response_url', async () => {
    api.notInChannel.add('G0PRIVATE');
    await postSigned(url, SECRET, slash('/superset', 'status', { channel: 'G0PRIVATE' }));
    const msg = await nextMessage();
    const ack = await api.waitForResponse((r) => r.body.response_type === 'in_channel');
    expect(ack.body.text).toContain('working on it');
    expect(parseThreadHandle(msg.threadId)).toEqual({ ref: expect.any(String) });

    await adapter.send({ network: 'slack', target: 'G0PRIVATE', threadId: msg.threadId!, lines: ['alice: superset production: 4/4 ready'] });
    await adapter.send({ network: 'slack', target: 'G0PRIVATE', threadId: msg.threadId!, lines: ['a private note'], private: true });
    const posts = api.responses.filter((r) => r.status === 200);
    expect(posts.map((r) => [r.body.response_type, r.body.text])).toEqual([
      ['in_channel', expect.stringContaining('working on it')],
      ['in_channel', 'alice: superset production: 4/4 ready'],
      ['ephemeral', 'a private note'],
    ]);
  });
});

describe('mentions', () => {
  test('@deckhand superset status: handed over with the thread of the mention; retried event runs once', async () => {
    const body = mentionEventBody({ user: ALICE.id, channel: 'C0OPS', text: `<@${api.botUserId}> superset   status`, event_id: 'Ev0MENTION1' });
    const first = await postSigned(url, SECRET, body, { json: true });
    const retry = await postSigned(url, SECRET, body, { json: true, retryNum: 1 });
    expect([first.status, retry.status]).toEqual([200, 200]);
    const msg = await nextMessage();
    const event = JSON.parse(body).event as { ts: string };
    expect(msg).toMatchObject({
      channel: 'C0OPS',
      threadId: event.ts,
      text: 'superset   status',
      sender: { id: ALICE.id, nick: 'alice', account: ALICE.id },
      messageId: 'evt:Ev0MENTION1',
    });
    await sleep(200);
    expect(received).toHaveLength(1);
  });

  test('a mention inside a thread answers in that thread and remembers who asked', async () => {
    const parent = '1700000000.000100';
    await postSigned(url, SECRET, mentionEventBody({ user: BOB.id, channel: 'C0OPS', text: `<@${api.botUserId}> whoami`, thread_ts: parent }), { json: true });
    const msg = await nextMessage();
    expect(parseThreadHandle(msg.threadId).threadTs).toBe(parent);
    await adapter.send({ network: 'slack', target: 'C0OPS', threadId: msg.threadId!, lines: ['only for bob'], private: true });
    const eph = api.ok('chat.postEphemeral')[0]!;
    expect(eph.args).toMatchObject({ channel: 'C0OPS', user: BOB.id, thread_ts: parent, text: 'only for bob' });
  });

  test('text of mentions and slash commands', () => {
    expect(mentionText('<@UDECKHAND> superset status', 'UDECKHAND')).toBe('superset status');
    expect(mentionText('hey <@UDECKHAND|deckhand>: paws status', 'UDECKHAND')).toBe('paws status');
    expect(mentionText('<@UDECKHAND>', 'UDECKHAND')).toBe('help');
    expect(slashCommandText('/superset', 'flag A&amp;B on')).toBe('superset flag A&B on');
    expect(slashCommandText('/deckhand', '  ')).toBe('help');
    expect(threadHandle('1.2', 'x')).toBe('1.2#x');
    expect(parseThreadHandle('#abc')).toEqual({ ref: 'abc' });
  });
});

describe('answers', () => {
  let channels = 0;
  // a channel per test, so the per-channel pacing of earlier tests does not slow this one
  async function asked(text = 'status'): Promise<{ msg: ChatMessage; ackTs: string }> {
    await postSigned(url, SECRET, slash('/superset', text, { channel: `C0ANS${++channels}` }));
    const msg = await nextMessage();
    return { msg, ackTs: msg.threadId! };
  }

  test('a result goes into the thread under the acknowledgement, which is then updated', async () => {
    const { msg, ackTs } = await asked();
    await adapter.send({
      network: 'slack',
      target: msg.channel,
      threadId: msg.threadId!,
      lines: ['alice: superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d'],
      sections: [{ title: 'superset production', ok: true, lines: ['superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d'] }],
    });
    const [reply] = api.thread(msg.channel, ackTs);
    expect(reply!.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: *superset production*  4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d' } },
    ]);
    expect(reply!.text).toContain('superset production: 4/4 ready');
    const update = api.ok('chat.update')[0]!;
    expect(update.args).toMatchObject({ channel: msg.channel, ts: ackTs, text: '<@U0ALICE> ran `/superset status`' });
    // only the first answer updates it
    await adapter.send({ network: 'slack', target: msg.channel, threadId: msg.threadId!, lines: ['second'] });
    expect(api.ok('chat.update')).toHaveLength(1);
  });

  test('private answers are ephemeral, to the asker only, in the thread', async () => {
    const { msg, ackTs } = await asked('frobnicate');
    await adapter.send({
      network: 'slack',
      target: msg.channel,
      threadId: msg.threadId!,
      lines: ['unknown command "frobnicate" (did you mean flags?)'],
      private: true,
    });
    const eph = api.ok('chat.postEphemeral')[0]!;
    expect(eph.args).toMatchObject({ channel: msg.channel, user: 'U0ALICE', thread_ts: ackTs, text: 'unknown command "frobnicate" (did you mean flags?)' });
    expect(api.thread(msg.channel, ackTs)).toHaveLength(0); // nothing public in the thread
    expect(api.ok('chat.update')[0]!.args.text).toBe('<@U0ALICE> ran `/superset frobnicate` — answered privately');
  });

  test('data cannot mention @channel or forge links', async () => {
    const { msg } = await asked();
    await adapter.send({ network: 'slack', target: msg.channel, threadId: msg.threadId!, lines: ['<!channel> <@U0BOB> <https://evil.example|click> & more'] });
    const post = api.ok('chat.postMessage').at(-1)!;
    expect(post.args.text).toBe('&lt;!channel&gt; &lt;@U0BOB&gt; &lt;https://evil.example|click&gt; &amp; more');
  });

  test('a 429 with Retry-After: 1 delays the post, then delivers it; nothing is lost', async () => {
    const { msg, ackTs } = await asked();
    api.rateLimit('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
    const t0 = Date.now();
    await adapter.send({ network: 'slack', target: msg.channel, threadId: msg.threadId!, lines: ['after the rate limit'] });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(5000);
    const posts = api.calls.filter((c) => c.method === 'chat.postMessage' && c.args.text === 'after the rate limit');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(api.thread(msg.channel, ackTs).map((m) => m.text)).toEqual(['after the rate limit']);
  });

  test('a 429 on a response_url is honoured too', async () => {
    api.notInChannel.add('G0LIMITED');
    await postSigned(url, SECRET, slash('/superset', 'status', { channel: 'G0LIMITED' }));
    const msg = await nextMessage();
    await api.waitForResponse((r) => r.status === 200);
    api.rateLimit('response_url', { times: 1, retryAfterSeconds: 1 });
    const t0 = Date.now();
    await adapter.send({ network: 'slack', target: 'G0LIMITED', threadId: msg.threadId!, lines: ['late but there'] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(api.responses.filter((r) => r.body.text === 'late but there').map((r) => r.status)).toEqual([429, 200]);
  });

  test('posts are paced per channel (burst, then about 1/s) without holding other channels back', async () => {
    const t0 = Date.now();
    const busy = Array.from({ length: 6 }, (_, i) => adapter.send({ network: 'slack', target: 'C0BUSY', lines: [`busy ${i}`] }));
    await sleep(50);
    await adapter.send({ network: 'slack', target: 'C0QUIET', lines: ['quiet'] });
    const quietAt = Date.now() - t0;
    await Promise.all(busy);
    const at = api
      .ok('chat.postMessage')
      .filter((c) => c.args.channel === 'C0BUSY')
      .map((c) => c.at - t0);
    expect(at).toHaveLength(6);
    expect(at[3]!).toBeLessThan(500); // the burst of 4 goes at once
    expect(at[4]!).toBeGreaterThanOrEqual(900); // then about one per second
    expect(at[5]!).toBeGreaterThanOrEqual(1900);
    expect(quietAt).toBeLessThan(500);
  }, 15000);

  test('long output is split over several messages in the thread, never cut', async () => {
    const { msg, ackTs } = await asked();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(80)}`);
    await adapter.send({ network: 'slack', target: msg.channel, threadId: msg.threadId!, lines });
    const replies = api.thread(msg.channel, ackTs);
    expect(replies.length).toBeGreaterThan(1);
    expect(replies.flatMap((r) => r.text.split('\n'))).toEqual(lines);
  }, 15000);

  test('a private message addressed to a user id goes to their DM with the bot, once', async () => {
    await adapter.send({ network: 'slack', target: 'U0BOB', lines: ['your deploy finished'], private: true });
    expect(api.ok('chat.postMessage').map((c) => [c.args.channel, c.args.text])).toEqual([['U0BOB', 'your deploy finished']]);
    expect(api.ok('chat.postEphemeral')).toHaveLength(0);
  });

  test('a message to a channel without a request context is a plain post (announcements)', async () => {
    await adapter.send({ network: 'slack', target: 'C0ANNOUNCE', lines: ['superset: maintenance starts in 30 minutes'] });
    expect(api.ok('chat.postMessage')[0]!.args).toMatchObject({ channel: 'C0ANNOUNCE', text: 'superset: maintenance starts in 30 minutes' });
    expect(api.ok('chat.postMessage')[0]!.args.thread_ts).toBeUndefined();
  });
});

describe('blocks', () => {
  test('an unhealthy environment lists its pods in a code block', () => {
    const msg: RenderedMessage = {
      network: 'slack',
      target: 'C1',
      lines: ['x'],
      sections: [
        {
          title: 'superset staging',
          ok: false,
          lines: [
            'superset staging: 1/2 ready, image 2026-06-02-091245, 412 restarts, up 6d',
            '  superset-staging-7d9c-1: CrashLoopBackOff (back-off 5m0s), 412 restarts, 6d old',
          ],
        },
      ],
    };
    const [p] = renderMessage(msg);
    expect(p!.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: ':x: *superset staging*  1/2 ready, image 2026-06-02-091245, 412 restarts, up 6d\n```\nsuperset-staging-7d9c-1: CrashLoopBackOff (back-off 5m0s), 412 restarts, 6d old\n```',
        },
      },
    ]);
  });

  test('logs become code blocks within Slack limits, split over messages when they do not fit', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${'log '.repeat(20)}`);
    const payloads = renderMessage({ network: 'slack', target: 'C1', lines: ['log'], sections: [{ title: 'helmfile apply', lines, code: true }] });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) {
      expect(p.blocks!.length).toBeLessThanOrEqual(50);
      for (const b of p.blocks!) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
    const text = payloads
      .flatMap((p) => p.blocks!)
      .filter((b) => b.type === 'section')
      .map((b) => (b.type === 'section' ? b.text.text : ''))
      .join('\n');
    for (const l of [lines[0]!, lines[1499]!, lines[2999]!]) expect(text).toContain(l.trim());
    expect(payloads.at(-1)!.blocks!.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: `part ${payloads.length} of ${payloads.length}` }] });
  });

  test('chunking keeps every character', () => {
    const long = 'é'.repeat(SECTION_MAX * 2 + 5);
    expect(chunkLines(['a', long, 'b'], SECTION_MAX).flat().join('')).toBe('a' + long + 'b');
  });
});

describe('when Redis is down', () => {
  test('the asker is told at once, privately, instead of waiting for nothing', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {});
    const lonely = new SlackAdapter({ config: slackConfig(), botToken: TOKEN, signingSecret: SECRET, redis: dead, prefix, log });
    const got: ChatMessage[] = [];
    await lonely.start((m) => got.push(m));
    try {
      const res = await postSigned(lonely.eventsUrl!, SECRET, slash('/superset', 'status'));
      expect(res.status).toBe(200);
      const r = await api.waitForResponse((x) => x.body.response_type === 'ephemeral');
      expect(r.body.text).toMatch(/^the job queue is unreachable, try again in a moment$/);
      expect(got).toHaveLength(0);
    } finally {
      await lonely.stop();
      dead.disconnect();
    }
  });
});

describe('identity', () => {
  test('emailOf: users.info → profile.email, cached; none → undefined', async () => {
    api.addUser({ id: 'U0CAROL', name: 'carol', email: 'carol@wikimedia.org' });
    expect(await adapter.emailOf('U0CAROL')).toBe('carol@wikimedia.org');
    expect(await adapter.emailOf('U0CAROL')).toBe('carol@wikimedia.org');
    expect(api.ok('users.info').filter((c) => c.args.user === 'U0CAROL')).toHaveLength(1);
    expect(await adapter.emailOf(BOB.id)).toBeUndefined();
    expect(await adapter.emailOf('U0NOBODY')).toBeUndefined();
  });

  test('secrets come from the environment the config names', () => {
    const cfg = slackConfig();
    expect(() => slackSecrets(cfg, {})).toThrow(/SLACK_BOT_TOKEN is not set/);
    expect(slackSecrets(cfg, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual({ botToken: 'xoxb-1', signingSecret: 's' });
    expect(() => slackSecrets({ ...cfg, mode: 'socket' }, { SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_APP_TOKEN/);
  });
});

// Acknowledgement latency is measured by `npm run bench` (slackAckMs), not in a timed test.

describe('slack/manifest.yml', () => {
  const manifest = parseYaml(readFileSync(new URL('../slack/manifest.yml', import.meta.url), 'utf8')) as {
    features: { slash_commands: { command: string; url: string }[] };
    oauth_config: { scopes: { bot: string[] } };
    settings: { event_subscriptions: { request_url: string; bot_events: string[] }; socket_mode_enabled: boolean };
  };

  test('declares /deckhand and one command per configured service, all to /slack/events', () => {
    const commands = manifest.features.slash_commands.map((c) => c.command);
    expect(commands).toEqual(['/deckhand', ...Object.keys(exampleConfig().services).map((s) => `/${s}`)]);
    for (const c of manifest.features.slash_commands) expect(c.url).toBe('https://deckhand.example.org/slack/events');
  });

  test('asks for the scopes and events the adapter uses', () => {
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'app_mentions:read',
      'chat:write',
      'chat:write.public',
      'commands',
      'users:read',
      'users:read.email',
    ]);
    expect(manifest.settings.event_subscriptions).toEqual({ request_url: 'https://deckhand.example.org/slack/events', bot_events: ['app_mention'] });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
