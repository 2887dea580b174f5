// Socket Mode: the same adapter with mode "socket" connects out to the stand-in (apps.connections.open
// with the app-level token, then a WebSocket), receives envelopes, acks them, runs each request once.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SlackAdapter } from '../src/bot/slack.js';
import type { ChatMessage } from '../src/core/types.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi } from './support/slack-api.js';
import { triggerId } from './support/slack-sign.js';

const TOKEN = 'xoxb-socket-token';
const APP_TOKEN = 'xapp-1-socket-token';
let api: FakeSlackApi;
let redis: Redis;
let adapter: SlackAdapter;
const prefix = freshPrefix('slack-socket');
const received: ChatMessage[] = [];

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeAll(async () => {
  api = await startFakeSlackApi({ token: TOKEN, appToken: APP_TOKEN, users: [{ id: 'U0ALICE', name: 'alice' }] });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  adapter = new SlackAdapter({
    config: { mode: 'socket', signingSecretEnv: 'S', botTokenEnv: 'B', appTokenEnv: 'A', port: 0, apiUrl: api.apiUrl },
    botToken: TOKEN,
    appToken: APP_TOKEN,
    redis,
    prefix,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  await adapter.start((m) => received.push(m));
});

afterAll(async () => {
  await adapter?.stop();
  await api?.close();
  await dropPrefix(prefix);
  redis?.disconnect();
});

test('connects with the app-level token through the configured API URL', () => {
  expect(api.ok('apps.connections.open')).toHaveLength(1);
  expect(api.socketClients).toBe(1);
  expect(adapter.port).toBeUndefined(); // no HTTP server in Socket Mode
});

test('a slash command envelope is acked and handed over once, even when delivered again', async () => {
  const payload = {
    token: 'x',
    team_id: 'T0TEST',
    team_domain: 't',
    channel_id: 'C0SOCK',
    channel_name: 'ops',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/superset',
    text: 'status staging',
    api_app_id: 'A0DECKHAND',
    is_enterprise_install: 'false',
    response_url: api.responseUrl(),
    trigger_id: triggerId(),
  };
  api.socketSend({ envelope_id: 'env-1', type: 'slash_commands', payload, accepts_response_payload: true });
  const ack = await api.waitForSocketReply('env-1');
  expect(ack.envelope_id).toBe('env-1');
  await until(() => received.length === 1);
  api.socketSend({ envelope_id: 'env-2', type: 'slash_commands', payload, accepts_response_payload: true }); // same request again
  await api.waitForSocketReply('env-2');
  await new Promise((r) => setTimeout(r, 200));
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ channel: 'C0SOCK', text: 'superset status staging', sender: { id: 'U0ALICE', nick: 'alice', account: 'U0ALICE' } });
  expect(api.ok('chat.postMessage')).toHaveLength(1); // one "working on it"
});

test('an app_mention retried by Slack (retry_attempt 1) runs once', async () => {
  received.length = 0;
  const payload = {
    team_id: 'T0TEST',
    api_app_id: 'A0DECKHAND',
    type: 'event_callback',
    event_id: 'Ev0SOCKET',
    event_time: 1,
    event: {
      type: 'app_mention',
      user: 'U0ALICE',
      text: `<@${api.botUserId}> paws status`,
      ts: '1700000001.000200',
      channel: 'C0SOCK',
      event_ts: '1700000001.000200',
    },
    authorizations: [{ team_id: 'T0TEST', user_id: api.botUserId, is_bot: true }],
  };
  api.socketSend({ envelope_id: 'env-3', type: 'events_api', payload, accepts_response_payload: false, retry_attempt: 0, retry_reason: '' });
  api.socketSend({ envelope_id: 'env-4', type: 'events_api', payload, accepts_response_payload: false, retry_attempt: 1, retry_reason: 'timeout' });
  await Promise.all([api.waitForSocketReply('env-3'), api.waitForSocketReply('env-4')]);
  await until(() => received.length >= 1);
  await new Promise((r) => setTimeout(r, 200));
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ text: 'paws status', threadId: '1700000001.000200', messageId: 'evt:Ev0SOCKET' });
});
