// A feature-flag toggle from Slack: a signed slash command into the Bolt app, the gateway and worker on
// the real Redis, a real deployment-charts checkout with a bare remote, the stand-in helmfile first on
// PATH; the Web API stand-in records what the user sees, the remote's git log what was committed.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import type { DirectoryLookup } from '../src/auth/access.js';
import type { SlackAdapter } from '../src/bot/slack.js';
import { slackTestAdapter } from './support/slack-bot.js';
import { exampleConfig } from './support/config.js';
import { createDeploymentCharts, type DeploymentCharts } from './support/deployment-charts.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi } from './support/slack-api.js';
import { postSigned, slashCommandBody } from './support/slack-sign.js';
import { startStack, type Stack } from './support/stack.js';

const SECRET = 'flags-signing-secret';
const TOKEN = 'xoxb-flags-token';
const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
const CHANNEL = 'C0FLAGS';

// Slack user → directory user (the e-mail lookup itself is tested in slack.test.ts and the directory tests)
const directory: DirectoryLookup = {
  async lookup(identity) {
    return identity.network === 'slack' && identity.account === ALICE.id
      ? { user: 'alice', groups: ['superset-admins', 'wmf'], name: 'Alice Example', mail: ALICE.email }
      : null;
  },
};

let api: FakeSlackApi;
let stack: Stack;
let slack: SlackAdapter;
let redis: Redis;
let tools: FakeTools;
let dc: DeploymentCharts;
const slackPrefix = freshPrefix('slack');

beforeAll(async () => {
  [api, tools] = await Promise.all([startFakeSlackApi({ token: TOKEN, users: [ALICE] }), installFakeTools()]);
  dc = createDeploymentCharts();
  process.env.PATH = tools.pathEnv;
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const made = slackTestAdapter(api, { token: TOKEN, secret: SECRET, redis, prefix: slackPrefix, rate: { burst: 50, perSecond: 200 } });
  slack = made.slack;
  const slackConfig = made.slackConfig;
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [], slack: [] };
  stack = await startStack({
    adapters: [slack],
    directory,
    config: { slack: slackConfig, services, deploymentCharts: { checkout: dc.checkout, push: 'direct' } },
  });
}, 30000);

afterAll(async () => {
  await stack?.stop();
  await api?.close();
  await dropPrefix(slackPrefix);
  redis?.disconnect();
  tools?.cleanup();
  dc?.cleanup();
});

test('/superset flag ALERT_REPORTS on staging: committed as alice, deployed, answered in the thread with Slack commands', async () => {
  const body = slashCommandBody({
    command: '/superset',
    text: 'flag ALERT_REPORTS on staging',
    user_id: ALICE.id,
    user_name: ALICE.name,
    channel_id: CHANNEL,
    response_url: api.responseUrl(),
  });
  expect((await postSigned(slack.eventsUrl!, SECRET, body)).status).toBe(200);
  const done = await api.waitFor(
    (c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === CHANNEL && /deployed superset staging/.test(String(c.args.text)),
    20000,
  );
  expect(String(done.args.text)).toMatch(/full log: \/deckhand job \d+/);
  const texts = api.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === CHANNEL).map((c) => String(c.args.text));
  // Slack's text format escapes < and > (the client shows them as typed)
  const committed =
    /enable ALERT_REPORTS for superset staging in .*: commit [0-9a-f]{12} by Alice Example &lt;alice@wikimedia\.org&gt;, pushed to origin master/;
  expect(texts.some((t) => committed.test(t))).toBe(true);
  expect(dc.git(dc.remote, 'log', '-1', '--format=%an|%s', 'master').trim()).toMatch(
    /^Alice Example\|superset-next: enable ALERT_REPORTS \(via deckhand, job \d+\)$/,
  );
  expect(tools.calls().map((c) => c.argv[2])).toEqual(['diff', 'apply']);
});
