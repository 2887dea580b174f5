// Confirmation buttons on Slack, on real parts: signed slash commands and signed block_actions clicks
// into the Bolt app (HTTP, and Socket Mode envelopes), the gateway and the worker over the real
// Redis/BullMQ, a real deployment-charts checkout, the stand-in helmfile first on PATH, and the Web
// API stand-in recording what people see: the buttons under the question, chat.update of that
// message once a click decided it, ephemeral refusals.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { DirectoryLookup } from '../src/auth/access.js';
import { SlackAdapter } from '../src/bot/slack.js';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall, type StoredMessage } from './support/slack-api.js';
import { slackTestAdapter } from './support/slack-bot.js';
import { blockActions, blockActionsBody, button, buttonsOf } from './support/slack-click.js';
import { postSigned, slashCommandBody, triggerId } from './support/slack-sign.js';
import { startStack, type Stack } from './support/stack.js';

const SECRET = 'buttons-signing-secret';
const TOKEN = 'xoxb-buttons-token';
const APP_TOKEN = 'xapp-1-buttons';
const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
const BOB = { id: 'U0BOB', name: 'bob', email: 'bob@wikimedia.org' };
const CAROL = { id: 'U0CAROL', name: 'carol', email: 'carol@wikimedia.org' };
const MALLORY = { id: 'U0MALLORY', name: 'mallory', email: 'mallory@example.org' };
const OPS = 'C0OPSBUTTONS';
const SECRET_ENV = 'SUPERSET_DB_PASSWORD';

// Slack user → directory user and groups (the e-mail lookup itself is tested in slack.test.ts)
const people: Record<string, { user: string; groups: string[] }> = {
  [ALICE.id]: { user: 'alice', groups: ['superset-admins', 'wmf'] },
  [BOB.id]: { user: 'bob', groups: ['ops'] },
  [CAROL.id]: { user: 'carol', groups: ['wmf'] },
  [MALLORY.id]: { user: 'mallory', groups: [] },
};
const directory: DirectoryLookup = {
  async lookup(identity) {
    return identity.network === 'slack' && identity.account ? (people[identity.account] ?? null) : null;
  },
};

let api: FakeSlackApi;
let stack: Stack;
let slack: SlackAdapter;
let redis: Redis;
let tools: FakeTools;
let repo: ChartsRepo;
const slackPrefix = freshPrefix('slack-buttons');
let channelSeq = 0;

async function slash(text: string, who = ALICE): Promise<{ channel: string; ackTs: string }> {
  const channel = `C0BUTTONS${++channelSeq}`;
  const body = slashCommandBody({ command: '/superset', text, user_id: who.id, user_name: who.name, channel_id: channel, response_url: api.responseUrl() });
  expect((await postSigned(slack.eventsUrl!, SECRET, body)).status).toBe(200);
  await api.waitFor((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && !c.args.thread_ts);
  return { channel, ackTs: api.messages.find((m) => m.channel === channel && !m.thread_ts)!.ts };
}

const inThread = (channel: string, ts: string, re: RegExp) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && c.args.thread_ts === ts && re.test(String(c.args.text));

/** Asks for a production deploy; the question as stored by the stand-in (with its buttons). */
async function askProduction(): Promise<{ channel: string; ackTs: string; prompt: StoredMessage; code: string }> {
  const { channel, ackTs } = await slash('deploy production');
  await api.waitFor(inThread(channel, ackTs, /to go ahead|this needs/), 15000);
  // a copy: the stand-in's own message changes with every chat.update, the click carries it as it was shown
  const prompt = structuredClone(api.messages.find((m) => m.channel === channel && m.thread_ts === ackTs && /to go ahead|this needs/.test(m.text))!);
  const code = /\/deckhand (?:confirm|approve) ([a-z]{6})/.exec(prompt.text)![1]!;
  return { channel, ackTs, prompt, code };
}

/** A signed click over HTTP, as Slack posts it. */
async function click(prompt: StoredMessage, label: string, who: { id: string; name: string }): Promise<void> {
  const res = await postSigned(slack.eventsUrl!, SECRET, blockActionsBody(blockActions(prompt, button(prompt, label), who, api.responseUrl())));
  expect(res.status).toBe(200);
}

const updatesOf = (ts: string) => api.calls.filter((c) => c.method === 'chat.update' && c.ok && c.args.ts === ts);
const outcomeOf = (c: SlackCall) =>
  (c.args.blocks as { type: string; block_id?: string; elements?: { text: string }[] }[]).find((b) => b.block_id === 'deckhand-outcome')?.elements?.[0]?.text;
const applies = () => tools.calls().filter((x) => x.sub === 'apply');
const ephemeralTo = (user: string, re: RegExp) => (c: SlackCall) =>
  c.method === 'chat.postEphemeral' && c.ok && c.args.user === user && re.test(String(c.args.text));
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [api, tools] = await Promise.all([startFakeSlackApi({ token: TOKEN, appToken: APP_TOKEN, users: [ALICE, BOB, CAROL, MALLORY] }), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const made = slackTestAdapter(api, { token: TOKEN, secret: SECRET, redis, prefix: slackPrefix, rate: { burst: 50, perSecond: 200 } });
  slack = made.slack;
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [], slack: [OPS] };
  stack = await startStack({
    adapters: [slack],
    directory,
    config: {
      slack: made.slackConfig,
      services,
      deploymentCharts: { checkout: repo.dir },
      deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: [SECRET_ENV] },
    },
  });
}, 30000);

beforeEach(() => {
  api.reset();
  tools.reset();
});

afterAll(async () => {
  await stack?.stop();
  await api?.close();
  await dropPrefix(slackPrefix);
  redis?.disconnect();
  tools?.cleanup();
  repo?.cleanup();
});

test('the question carries Confirm and Cancel besides the code; bob clicks Confirm: the message shows it, the deploy runs', async () => {
  const { channel, ackTs, prompt, code } = await askProduction();
  expect(prompt.text).toMatch(new RegExp(`to go ahead, say within 5m00s: /deckhand confirm ${code} \\(or /deckhand cancel ${code}\\)$`));
  expect(buttonsOf(prompt)).toEqual([
    { type: 'button', text: { type: 'plain_text', text: 'Confirm' }, action_id: 'deckhand:0', value: `confirm ${code}`, style: 'primary' },
    { type: 'button', text: { type: 'plain_text', text: 'Cancel' }, action_id: 'deckhand:1', value: `cancel ${code}` },
  ]);

  await click(prompt, 'Confirm', BOB);
  const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
  expect(outcomeOf(update)).toBe(':white_check_mark: confirmed by <@U0BOB>');
  const after = api.messages.find((m) => m.ts === prompt.ts)!;
  expect(buttonsOf(after)).toEqual([]); // the buttons are gone
  expect(after.text).toContain(`/deckhand confirm ${code}`); // the question itself stays readable

  // the result goes into the same thread, addressed to the clicker; the channels hear who confirmed
  const done = await api.waitFor(inThread(channel, ackTs, /deployed superset production/), 15000);
  expect(done.args.text).toMatch(/^bob: deployed superset production in \S+: release production → revision 43/);
  expect(api.messages.filter((m) => m.channel === OPS).map((m) => m.text)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^superset production: deploy started by alice, confirmed by bob \(job \d+\)/)]),
  );
  expect(applies().map((c) => c.env.LOG_USER)).toEqual(['alice']);
  expect(updatesOf(prompt.ts)).toHaveLength(1);
  // DECKHAND_TRANSCRIPT=1: the message before and after the click, as Slack was sent it
  if (process.env.DECKHAND_TRANSCRIPT)
    process.stdout.write(JSON.stringify({ before: prompt.blocks, after: update.args.blocks, afterText: update.args.text }, null, 1) + '\n');
});

test('a click by someone not allowed gets an ephemeral refusal and changes nothing; then the requester cancels by button', async () => {
  const { channel, ackTs, prompt } = await askProduction();
  await click(prompt, 'Confirm', MALLORY);
  const refusal = await api.waitFor(ephemeralTo(MALLORY.id, /only alice or someone allowed/), 10000);
  expect(refusal.args).toMatchObject({ channel, thread_ts: ackTs });
  expect(refusal.args.text).toBe(
    'mallory: only alice or someone allowed to deploy superset production may confirm this: deploy superset production needs one of superset-admins, ops (you: no groups)',
  );
  await settle();
  expect(updatesOf(prompt.ts)).toEqual([]); // the question and its buttons are as they were
  expect(buttonsOf(api.messages.find((m) => m.ts === prompt.ts)!)).toHaveLength(2);
  expect(api.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ackTs && /mallory/.test(String(c.args.text)))).toEqual([]);

  await click(prompt, 'Cancel', ALICE);
  const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
  expect(outcomeOf(update)).toBe(':no_entry_sign: cancelled by <@U0ALICE>');
  expect((await api.waitFor(inThread(channel, ackTs, /^alice: cancelled/))).args.text).toMatch(
    /^alice: cancelled: the deploy of superset production asked by alice will not run \(code [a-z]{6}\)$/,
  );
  await settle();
  expect(applies()).toEqual([]);
});

test('a double click runs once', async () => {
  const { channel, ackTs, prompt } = await askProduction();
  await Promise.all([click(prompt, 'Confirm', BOB), click(prompt, 'Confirm', BOB)]);
  await api.waitFor(inThread(channel, ackTs, /deployed superset production/), 15000);
  const second = await api.waitFor(ephemeralTo(BOB.id, /just taken|nothing is waiting/), 10000);
  expect(second.args.thread_ts).toBe(ackTs);
  await settle();
  expect(applies()).toHaveLength(1);
  expect(updatesOf(prompt.ts).map(outcomeOf)).toEqual([':white_check_mark: confirmed by <@U0BOB>']);
});

test('a click after the expiry: the message says expired, the clicker is told, nothing runs', async () => {
  stack.config.deploy.confirmMinutes = 0.01;
  try {
    const { prompt } = await askProduction();
    await settle(800);
    await click(prompt, 'Confirm', ALICE);
    const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
    expect(outcomeOf(update)).toMatch(/^:hourglass: expired — at \d\d:\d\d UTC; nothing was done$/);
    expect(buttonsOf(api.messages.find((m) => m.ts === prompt.ts)!)).toEqual([]);
    const told = await api.waitFor(ephemeralTo(ALICE.id, /expired/), 10000);
    expect(told.args.text).toMatch(/^alice: cannot confirm: confirmation [a-z]{6} for the deploy of superset production expired at \d\d:\d\d UTC/);
    // a second late click finds nothing and changes nothing more
    await click(prompt, 'Confirm', ALICE);
    await api.waitFor(ephemeralTo(ALICE.id, /nothing is waiting/), 10000);
  } finally {
    stack.config.deploy.confirmMinutes = 5;
  }
  await settle();
  expect(applies()).toEqual([]);
  expect(api.calls.filter((c) => c.method === 'chat.update' && /expired/.test(String(c.args.text)))).toHaveLength(1);
});

test('nobody clicks: at the expiry the message says so by itself, and a late click is only told', async () => {
  stack.config.deploy.confirmMinutes = 0.01;
  let promptTs = '';
  try {
    const { prompt } = await askProduction();
    promptTs = prompt.ts;
    const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
    expect(outcomeOf(update)).toBe(':hourglass: expired — nothing was done');
    expect(buttonsOf(api.messages.find((m) => m.ts === prompt.ts)!)).toEqual([]);
    await click(prompt, 'Confirm', ALICE);
    await api.waitFor(ephemeralTo(ALICE.id, /expired/), 10000);
  } finally {
    stack.config.deploy.confirmMinutes = 5;
  }
  await settle();
  expect(applies()).toEqual([]);
  expect(updatesOf(promptTs)).toHaveLength(1); // the late click's own expiry changes nothing more
});

test('with approvals: the question has Approve and Cancel; a click by the requester is refused, carol approves by click and it runs', async () => {
  const production = stack.config.services.superset!.environments.production!;
  production.approvals = { required: 1, groups: ['wmf'], selfApproval: false };
  try {
    const { channel, ackTs, prompt, code } = await askProduction();
    expect(prompt.text).toMatch(
      new RegExp(
        `this needs 1 approval from someone in wmf other than alice within 5m00s: /deckhand approve ${code} \\(to drop it: /deckhand cancel ${code}\\)$`,
      ),
    );
    expect(buttonsOf(prompt).map((b) => [b.text.text, b.value, b.style])).toEqual([
      ['Approve', `approve ${code}`, 'primary'],
      ['Cancel', `cancel ${code}`, undefined],
    ]);
    await click(prompt, 'Approve', ALICE);
    expect((await api.waitFor(ephemeralTo(ALICE.id, /approvals must come from someone else/), 10000)).args.text).toBe(
      `alice: alice asked for the deploy of superset production: the approvals must come from someone else (1 approval from someone in wmf other than alice)`,
    );
    await click(prompt, 'Approve', BOB); // ops, not wmf
    expect((await api.waitFor(ephemeralTo(BOB.id, /needs one of wmf/), 10000)).args.text).toBe(
      'bob: approving the deploy of superset production needs one of wmf (you: ops)',
    );
    expect(updatesOf(prompt.ts)).toEqual([]);

    await click(prompt, 'Approve', CAROL);
    const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
    expect(outcomeOf(update)).toBe(':ballot_box_with_check: approved by <@U0CAROL> — 1 of 1 (carol); starting');
    expect(buttonsOf(api.messages.find((m) => m.ts === prompt.ts)!)).toEqual([]);
    await api.waitFor(inThread(channel, ackTs, /^carol: deployed superset production/), 15000);
    const ops = api.messages.filter((m) => m.channel === OPS).map((m) => m.text);
    expect(ops).toEqual(
      expect.arrayContaining([
        'superset production: deploy asked by alice approved by carol (1 of 1): starting',
        expect.stringMatching(/^superset production: deploy started by alice, approved by carol \(job \d+\)/),
      ]),
    );
    expect(applies().map((c) => c.env.LOG_USER)).toEqual(['alice']);
  } finally {
    delete production.approvals;
  }
});

test('with required: 2 the first approval is shown and the buttons stay; the second starts it', async () => {
  const production = stack.config.services.superset!.environments.production!;
  production.approvals = { required: 2, groups: ['wmf', 'ops'], selfApproval: false };
  try {
    const { channel, ackTs, prompt } = await askProduction();
    await click(prompt, 'Approve', CAROL);
    const first = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
    expect(outcomeOf(first)).toBe(':ballot_box_with_check: approved by <@U0CAROL> — 1 of 2; 1 more needed');
    expect(buttonsOf(api.messages.find((m) => m.ts === prompt.ts)!).map((b) => b.text.text)).toEqual(['Approve', 'Cancel']);
    expect((await api.waitFor(inThread(channel, ackTs, /^carol: /))).args.text).toMatch(
      /^carol: superset production: deploy asked by alice approved by carol \(1 of 2\); 1 more needed before \d\d:\d\d UTC$/,
    );
    expect(applies()).toEqual([]);

    await click(prompt, 'Approve', BOB);
    await api.waitFor(inThread(channel, ackTs, /^bob: deployed superset production/), 15000);
    expect(updatesOf(prompt.ts).map(outcomeOf)).toEqual([
      ':ballot_box_with_check: approved by <@U0CAROL> — 1 of 2; 1 more needed',
      ':ballot_box_with_check: approved by <@U0BOB> — 2 of 2 (carol and bob); starting',
    ]);
    expect(buttonsOf(api.messages.find((m) => m.ts === prompt.ts)!)).toEqual([]);
    expect(applies()).toHaveLength(1);
  } finally {
    delete production.approvals;
  }
});

describe('Socket Mode', () => {
  let socketStack: Stack;
  let socket: SlackAdapter;
  const socketPrefix = freshPrefix('slack-buttons-socket');
  let envelopeSeq = 0;
  const envelope = (type: string, payload: Record<string, unknown>) => {
    const id = `env-buttons-${++envelopeSeq}`;
    api.socketSend({ envelope_id: id, type, payload, accepts_response_payload: type === 'slash_commands' });
    return api.waitForSocketReply(id);
  };

  beforeAll(async () => {
    socket = new SlackAdapter({
      config: { mode: 'socket', signingSecretEnv: 'S', botTokenEnv: 'B', appTokenEnv: 'A', port: 0, apiUrl: api.apiUrl },
      botToken: TOKEN,
      appToken: APP_TOKEN,
      redis,
      prefix: socketPrefix,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      rate: { burst: 50, perSecond: 200 },
    });
    // the HTTP bot goes first: the stand-in sends envelopes to every socket, and only this bot has one
    socketStack = await startStack({
      adapters: [socket],
      directory,
      config: {
        services: stack.config.services,
        deploymentCharts: { checkout: repo.dir },
        deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: [SECRET_ENV] },
      },
    });
  }, 30000);

  afterAll(async () => {
    await socketStack?.stop();
    await dropPrefix(socketPrefix);
  });

  test('a click in an interactive envelope takes the same path: acked, the message updated, the deploy run once', async () => {
    const channel = 'C0SOCKETBUTTONS';
    await envelope('slash_commands', {
      token: 'x',
      team_id: 'T0TEST',
      team_domain: 't',
      channel_id: channel,
      channel_name: 'ops',
      user_id: ALICE.id,
      user_name: ALICE.name,
      command: '/superset',
      text: 'deploy production',
      api_app_id: 'A0DECKHAND',
      is_enterprise_install: 'false',
      response_url: api.responseUrl(),
      trigger_id: triggerId(),
    });
    const asked = await api.waitFor(
      (c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && /to go ahead/.test(String(c.args.text)),
      15000,
    );
    const prompt = api.messages.find((m) => m.channel === channel && m.thread_ts === asked.args.thread_ts && /to go ahead/.test(m.text))!;
    await envelope('interactive', blockActions(prompt, button(prompt, 'Confirm'), BOB, api.responseUrl())); // acked
    const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
    expect(outcomeOf(update)).toBe(':white_check_mark: confirmed by <@U0BOB>');
    await api.waitFor(inThread(channel, prompt.thread_ts!, /^bob: deployed superset production/), 15000);
    expect(applies()).toHaveLength(1);
  });
});
