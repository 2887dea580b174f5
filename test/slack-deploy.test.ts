// Deploys from Slack on real parts: signed slash commands into the Bolt app, the gateway and the
// worker over the real Redis/BullMQ, a real deployment-charts git checkout, the stand-in helmfile
// first on PATH, and the Web API stand-in recording what a user would see. The milestones of a
// running deploy edit the acknowledgement in place; the result goes into its thread.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import type { DirectoryLookup } from '../src/auth/access.js';
import type { SlackAdapter } from '../src/bot/slack.js';
import { slackTestAdapter } from './support/slack-bot.js';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from './support/slack-api.js';
import { postSigned, slashCommandBody } from './support/slack-sign.js';
import { startStack, type Stack } from './support/stack.js';

const SECRET = 'deploy-signing-secret';
const TOKEN = 'xoxb-deploy-token';
const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
const OPS = 'C0OPSDEPLOY';
const SECRET_ENV = 'SUPERSET_DB_PASSWORD';

// Slack user → directory user (the e-mail lookup itself is tested in slack.test.ts and the directory tests)
const directory: DirectoryLookup = {
  async lookup(identity) {
    return identity.network === 'slack' && identity.account === ALICE.id ? { user: 'alice', groups: ['superset-admins', 'wmf'] } : null;
  },
};

let api: FakeSlackApi;
let stack: Stack;
let slack: SlackAdapter;
let redis: Redis;
let tools: FakeTools;
let repo: ChartsRepo;
const slackPrefix = freshPrefix('slack');
let channelSeq = 0;

async function slash(command: string, text: string, channel = `C0DEPLOY${++channelSeq}`): Promise<{ channel: string; ackTs: string }> {
  const body = slashCommandBody({ command, text, user_id: ALICE.id, user_name: ALICE.name, channel_id: channel, response_url: api.responseUrl() });
  const res = await postSigned(slack.eventsUrl!, SECRET, body);
  expect(res.status).toBe(200);
  const ack = await api.waitFor(
    (c) =>
      c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && !c.args.thread_ts && String(c.args.text).includes(`ran \`${command} ${text}\``),
  );
  const ackTs = api.messages.find((m) => m.channel === channel && m.text === ack.args.text)!.ts;
  return { channel, ackTs };
}

const threadReply = (channel: string, ackTs: string, re: RegExp) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && c.args.thread_ts === ackTs && re.test(String(c.args.text));

/** The texts the acknowledgement was given, in order. */
const ackUpdates = (ackTs: string): string[] =>
  api.calls.filter((c) => c.method === 'chat.update' && c.ok && c.args.ts === ackTs).map((c) => String(c.args.text));

beforeAll(async () => {
  [api, tools] = await Promise.all([startFakeSlackApi({ token: TOKEN, users: [ALICE] }), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const made = slackTestAdapter(api, { token: TOKEN, secret: SECRET, redis, prefix: slackPrefix, rate: { burst: 50, perSecond: 200 } });
  slack = made.slack;
  const slackConfig = made.slackConfig;
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [], slack: [OPS] };
  stack = await startStack({
    adapters: [slack],
    directory,
    config: {
      slack: slackConfig,
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

test('/superset deploy staging: milestones edit the acknowledgement, the result goes into its thread', async () => {
  tools.control({ applySleep: 0.3 });
  const { channel, ackTs } = await slash('/superset', 'deploy staging');
  const result = await api.waitFor(threadReply(channel, ackTs, /deployed superset staging/), 15000);
  expect(result.args.text).toMatch(/^alice: deployed superset staging in \S+: release staging → revision 43 \(full log: \/deckhand job \d+\)$/);
  await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === ackTs && c.args.text === '<@U0ALICE> ran `/superset deploy staging`');

  // the acknowledgement showed each milestone in place, then ended as it always does
  const asked = ':hourglass_flowing_sand: <@U0ALICE> ran `/superset deploy staging` — ';
  expect(ackUpdates(ackTs)).toEqual([
    expect.stringMatching(
      /^:hourglass_flowing_sand: <@U0ALICE> ran `\/superset deploy staging` — superset staging: deploy started by alice \(job \d+\): 1 release \(staging\): /,
    ),
    `${asked}superset staging: applying release staging, waiting for the rollout`,
    '<@U0ALICE> ran `/superset deploy staging`',
  ]);
  // the thread holds the result alone: no progress line posted beside it
  expect(api.thread(channel, ackTs).map((m) => m.text)).toEqual([result.args.text]);
  expect(api.messages.find((m) => m.ts === ackTs)!.text).toBe('<@U0ALICE> ran `/superset deploy staging`');

  // announcements to the service's channel stay separate messages there
  const announced = api.messages.filter((m) => m.channel === OPS).map((m) => m.text);
  expect(announced).toEqual([
    expect.stringMatching(/^superset staging: deploy started by alice \(job \d+\): 1 release \(staging\): /),
    expect.stringMatching(/^superset staging: deploy by alice done in \S+: release staging → revision 43$/),
  ]);
  expect(api.messages.filter((m) => m.channel === OPS && m.thread_ts)).toHaveLength(0);
  // helmfile ran as the requester
  expect(
    tools
      .calls()
      .filter((c) => c.sub === 'apply')
      .map((c) => c.env.LOG_USER),
  ).toEqual(['alice']);
});

test('production: the confirmation is answered in the deploy thread; the confirm acknowledgement shows the milestones', async () => {
  const channel = 'C0DEPLOYPROD';
  const first = await slash('/superset', 'deploy production', channel);
  const prompt = await api.waitFor(threadReply(channel, first.ackTs, /to go ahead/), 15000);
  const code = /\/deckhand confirm (\w+)/.exec(String(prompt.args.text))![1]!;
  await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === first.ackTs);

  const confirm = await slash('/deckhand', `confirm ${code}`, channel);
  const result = await api.waitFor(threadReply(channel, confirm.ackTs, /deployed superset production/), 15000);
  await api.waitFor((c) => c.method === 'chat.update' && c.args.ts === confirm.ackTs && c.args.text === `<@U0ALICE> ran \`/deckhand confirm ${code}\``);
  expect(ackUpdates(confirm.ackTs)).toEqual([
    expect.stringMatching(
      new RegExp(`^:hourglass_flowing_sand: <@U0ALICE> ran \`/deckhand confirm ${code}\` — superset production: deploy started by alice \\(job \\d+\\): `),
    ),
    `:hourglass_flowing_sand: <@U0ALICE> ran \`/deckhand confirm ${code}\` — superset production: applying release production, waiting for the rollout`,
    `<@U0ALICE> ran \`/deckhand confirm ${code}\``,
  ]);
  expect(api.thread(channel, confirm.ackTs).map((m) => m.text)).toEqual([result.args.text]);
  // the deploy request's acknowledgement, answered with the prompt, is not touched again
  expect(ackUpdates(first.ackTs)).toEqual(['<@U0ALICE> ran `/superset deploy production`']);
});

// The operate verbs on Slack: the same verbs as on IRC, written as slash commands in what they print.
test('/superset releases staging: the helm history in the thread, commands written the Slack way', async () => {
  await slash('/superset', 'deploy staging').then(({ channel, ackTs }) => api.waitFor(threadReply(channel, ackTs, /deployed superset staging/), 15000));
  const { channel, ackTs } = await slash('/superset', 'releases staging');
  const head = await api.waitFor(threadReply(channel, ackTs, /^alice: superset staging: release staging in superset-next/), 15000);
  expect(String(head.args.text)).toMatch(/^alice: superset staging: release staging in superset-next, \d+ revisions/);
  expect(String(head.args.text)).toMatch(/· #\d+ deploy by alice/);
  expect(tools.calls().map((c) => [c.tool, c.sub].join(' '))).toContain('helm history');
});

test('/superset rollback production: the confirmation shows from → to; confirmed, helm rolls back and the channel is told', async () => {
  const channel = 'C0ROLLBACK';
  const first = await slash('/superset', 'rollback production', channel);
  const prompt = await api.waitFor(threadReply(channel, first.ackTs, /to go ahead/), 15000);
  expect(String(prompt.args.text)).toMatch(
    /^alice: superset production: rollback from revision 42 \(superset-0\.12\.6, app 4\.1\.1\) → revision 41 \(superset-0\.12\.5, app 4\.1\.0\)\n/,
  );
  expect(String(prompt.args.text)).toMatch(/say within \S+: \/deckhand confirm \w+ \(or \/deckhand cancel \w+\)$/);
  expect(tools.calls().some((c) => c.sub === 'rollback')).toBe(false);
  const code = /\/deckhand confirm (\w+)/.exec(String(prompt.args.text))![1]!;
  const confirm = await slash('/deckhand', `confirm ${code}`, channel);
  const result = await api.waitFor(threadReply(channel, confirm.ackTs, /rolled back superset production/), 15000);
  expect(String(result.args.text)).toMatch(/git/); // says the cluster now differs from git
  expect(tools.calls().filter((c) => c.sub === 'rollback')).toHaveLength(1);
  await api.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === OPS && /rollback by alice done/.test(String(c.args.text)), 5000);
});

test('/superset stop staging then start staging: announced in the service channel both times', async () => {
  const stopped = await slash('/superset', 'stop staging');
  await api.waitFor(threadReply(stopped.channel, stopped.ackTs, /^alice: stopped superset staging/), 15000);
  const started = await slash('/superset', 'start staging');
  const done = await api.waitFor(threadReply(started.channel, started.ackTs, /^alice: started superset staging/), 15000);
  expect(String(done.args.text)).not.toMatch(/!superset/);
  const announced = api.messages.filter((m) => m.channel === OPS).map((m) => m.text);
  expect(announced).toEqual(
    expect.arrayContaining([expect.stringMatching(/^superset staging: stop by alice done/), expect.stringMatching(/^superset staging: start by alice done/)]),
  );
  expect(announced.find((t) => /stop by alice done/.test(t))).toMatch(/down on purpose until \/deckhand superset start staging$/);
});
