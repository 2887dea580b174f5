// A scheduled change asked on Slack, on real parts: a signed slash command and a signed Confirm click
// into the Bolt app, the gateway and the worker over the real Redis/BullMQ, the stand-in helmfile on
// PATH, and the Web API stand-in recording what people see: the question with its buttons, the message
// updated by the click, the scheduled line in the thread and on the service's channel, then the run.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import type { DirectoryLookup } from '../src/auth/access.js';
import type { SlackAdapter } from '../src/bot/slack.js';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from './support/slack-api.js';
import { slackTestAdapter } from './support/slack-bot.js';
import { blockActions, blockActionsBody, button, buttonsOf } from './support/slack-click.js';
import { postSigned, slashCommandBody } from './support/slack-sign.js';
import { startStack, type Stack } from './support/stack.js';

const SECRET = 'scheduled-signing-secret';
const TOKEN = 'xoxb-scheduled-token';
const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
const BOB = { id: 'U0BOB', name: 'bob', email: 'bob@wikimedia.org' };
const OPS = 'C0OPSSCHEDULED';
const ASKED_IN = 'C0SCHEDULED';
const SECRET_ENV = 'SUPERSET_DB_PASSWORD';

const people: Record<string, { user: string; groups: string[] }> = {
  [ALICE.id]: { user: 'alice', groups: ['superset-admins', 'wmf'] },
  [BOB.id]: { user: 'bob', groups: ['ops'] },
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
const slackPrefix = freshPrefix('slack-scheduled');

const posted = (channel: string, re: RegExp) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && re.test(String(c.args.text));

beforeAll(async () => {
  [api, tools] = await Promise.all([startFakeSlackApi({ token: TOKEN, users: [ALICE, BOB] }), installFakeTools()]);
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

afterAll(async () => {
  await stack?.stop();
  await api?.close();
  await dropPrefix(slackPrefix);
  redis?.disconnect();
  tools?.cleanup();
  repo?.cleanup();
});

test('a production deploy asked for later carries Confirm and Cancel; bob clicks Confirm: it is scheduled, the message says so, and it runs at its time', async () => {
  const at = Date.now() + 3000;
  const body = slashCommandBody({
    command: '/superset',
    text: `deploy production at ${new Date(at).toISOString()}`,
    user_id: ALICE.id,
    user_name: ALICE.name,
    channel_id: ASKED_IN,
    response_url: api.responseUrl(),
  });
  expect((await postSigned(slack.eventsUrl!, SECRET, body)).status).toBe(200);
  await api.waitFor((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === ASKED_IN && /to schedule it/.test(String(c.args.text)), 15000);
  const prompt = structuredClone(api.messages.find((m) => m.channel === ASKED_IN && /to schedule it/.test(m.text))!);
  const code = /\/deckhand confirm ([a-z]{6})/.exec(prompt.text)![1]!;
  expect(prompt.text).toMatch(/asks for a confirmation now\. At that time permission, freeze, maintenance and the lock are checked again/);
  expect(buttonsOf(prompt).map((b) => b.value)).toEqual([`confirm ${code}`, `cancel ${code}`]);
  expect(tools.calls()).toEqual([]);

  const click = blockActions(prompt, button(prompt, 'Confirm'), BOB, api.responseUrl());
  expect((await postSigned(slack.eventsUrl!, SECRET, blockActionsBody(click))).status).toBe(200);
  const update = await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === prompt.ts, 10000);
  expect(JSON.stringify(update.args.blocks)).toContain('confirmed by <@U0BOB>');
  const scheduled = await api.waitFor(posted(OPS, /^superset production: deploy scheduled for /), 10000);
  expect(scheduled.args.text).toMatch(
    /^superset production: deploy scheduled for \d\d:\d\d UTC \(now\) by alice, confirmed by bob \(sched-\d+; to cancel: \/deckhand cancel sched-\d+\)$/,
  );
  expect(tools.calls()).toEqual([]); // confirmed, not run

  const started = await api.waitFor(posted(OPS, /^superset production: deploy started by alice/), 15000);
  expect(started.args.text).toMatch(/^superset production: deploy started by alice, confirmed by bob \(job sched-\d+\)/);
  await api.waitFor(posted(OPS, /^superset production: deploy by alice done/), 15000);
  const calls = tools.calls();
  expect(calls.map((c) => c.sub)).toEqual(['diff', 'apply']);
  expect(calls[0]!.start).toBeGreaterThanOrEqual(at);
});
