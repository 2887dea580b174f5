// Secrets, scanned everywhere a person or an attacker could read them: secrets seeded in the config
// (the Slack tokens), in tool output (the helm/helmfile stand-in prints a DB password, a Secret key),
// in pod logs and events, and in a secret values file (paws/secrets.yaml). Every job kind that shows
// such data runs, from IRC and from Slack; then every line a second real IRC client saw, every Web API
// call the Slack stand-in recorded, every signed log page, and every key the bot keeps in Redis are
// searched for each secret (as is, base64 and URL-encoded): 0 occurrences.
import { Redis } from 'ioredis';
import type { DirectoryLookup } from '../../src/auth/access.js';
import type { SlackAdapter } from '../../src/bot/slack.js';
import { makeEvent } from '../../src/sandbox/fixtures.js';
import { createChartsRepo, writePawsSecrets, type ChartsRepo } from '../support/charts-repo.js';
import { exampleConfig } from '../support/config.js';
import { installFakeTools, type FakeTools } from '../support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from '../support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../support/redis.js';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack-api.js';
import { slackTestAdapter } from '../support/slack-bot.js';
import { postSigned, slashCommandBody } from '../support/slack-sign.js';
import { recordFigures } from '../support/figures.js';
import { CHANNEL, startStack, type Stack } from '../support/stack.js';

const TOKEN = `xoxb-4242424242-${Math.random().toString(36).slice(2)}SeCrEt`;
const SIGNING = `signing-${Math.random().toString(36).slice(2)}-Zz9`;
const LOG_SECRET = `Lg7-${Math.random().toString(36).slice(2)}-pW`;
const VALUES_SECRET = `oauth-${Math.random().toString(36).slice(2)}-Cs4`;
const ALICE_SLACK = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };

let ircd: Ircd;
let stack: Stack;
let tools: FakeTools;
let repo: ChartsRepo;
let api: FakeSlackApi;
let slack: SlackAdapter;
let redis: Redis;
let alice: TestClient;
let bob: TestClient; // watches
const slackPrefix = freshPrefix('slack');
const fromBot = (m: Received) => m.from === 'deckhand';

// alice on IRC (services account) and on Slack (her user id) is the same directory user
const directory: DirectoryLookup = {
  async lookup(identity) {
    const ok = (identity.network === 'irc' && identity.account === 'alice') || (identity.network === 'slack' && identity.account === ALICE_SLACK.id);
    return ok ? { user: 'alice', groups: ['superset-admins', 'ops', 'wmf'], mail: ALICE_SLACK.email } : null;
  },
};

let secrets: string[];
let prodPod: string; // a superset production pod, by full name

beforeAll(async () => {
  [ircd, tools, api] = await Promise.all([startIrcd(), installFakeTools(), startFakeSlackApi({ token: TOKEN, users: [ALICE_SLACK] })]);
  repo = createChartsRepo();
  writePawsSecrets(repo, VALUES_SECRET);
  process.env.PATH = tools.pathEnv;
  process.env.SUPERSET_DB_PASSWORD = tools.secret;
  process.env.DECKHAND_FAULT_LOG_SECRET = LOG_SECRET;
  process.env.SLACK_BOT_TOKEN = TOKEN;
  process.env.SLACK_SIGNING_SECRET = SIGNING;
  process.env.DH_SECRETS_LINK_SECRET = 'link-signing-key-for-the-test';
  secrets = [tools.secret, LOG_SECRET, VALUES_SECRET, TOKEN, SIGNING];
  await registerAccount(ircd, 'alice', 'alice-secret');
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const made = slackTestAdapter(api, { token: TOKEN, secret: SIGNING, redis, prefix: slackPrefix, rate: { burst: 50, perSecond: 200 } });
  slack = made.slack;
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL], slack: ['C0ANNOUNCE'] };
  services.paws!.permissions = { ...services.paws!.permissions, logs: ['ops'] };
  [stack, alice, bob] = await Promise.all([
    startStack({
      ircd,
      adapters: [slack],
      directory,
      config: {
        rateLimit: { perMinute: 0 },
        services,
        slack: made.slackConfig,
        deploymentCharts: { checkout: repo.dir },
        deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: ['SUPERSET_DB_PASSWORD', 'DECKHAND_FAULT_LOG_SECRET'] },
        http: { port: 0, host: '127.0.0.1', publicUrl: 'https://deckhand.example.org', linkSecretEnv: 'DH_SECRETS_LINK_SECRET', linkTtlHours: 1 },
      },
    }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob' }),
  ]);
  await Promise.all([alice.join(CHANNEL), bob.join(CHANNEL)]);

  // logs and events that print every secret, each in a different shape
  const leaky = [
    `connecting to mysql://superset:${tools.secret}@an-mariadb1001.eqiad.wmnet/superset`,
    `loaded ${LOG_SECRET} from the environment`,
    `token=${TOKEN}`,
    `MediaWikiOAuthenticator client_secret ${VALUES_SECRET}`,
    `signing with ${SIGNING} now`,
    `base64 ${Buffer.from(LOG_SECRET).toString('base64')}`,
    `wrapped ${LOG_SECRET.slice(0, 5)}`,
    `${LOG_SECRET.slice(5)} continued`,
  ];
  for (const ns of ['superset', 'superset-next', 'prod']) {
    for (const pod of await stack.kube.listPods(undefined, ns, '')) {
      for (const c of pod.spec!.containers) stack.api.logs.set(ns, pod.metadata!.name!, c.name, leaky);
    }
  }
  prodPod = (await stack.kube.listPods(undefined, 'superset', ''))[0]!.metadata!.name!;
  const crashing = (await stack.kube.listPods(undefined, 'superset-next', '')).find((p) => p.status?.containerStatuses?.[0]?.state?.waiting)!;
  stack.api.setEvents('superset-next', [
    makeEvent({ pod: crashing, reason: 'BackOff', message: `Back-off: DB password ${tools.secret} rejected; token ${TOKEN}`, type: 'Warning', count: 12 }),
  ]);
}, 40000);

afterAll(async () => {
  await stack?.stop();
  await ircd?.stop();
  await api?.close();
  await dropPrefix(slackPrefix);
  redis?.disconnect();
  tools?.cleanup();
  repo?.cleanup();
});

/** Ask on IRC and wait for the bot to go quiet; returns the job ids the answers name. */
async function ask(text: string, done: RegExp): Promise<string[]> {
  const from = bob.messages.length;
  alice.say(CHANNEL, text);
  await bob.waitFor((m) => bob.messages.indexOf(m) >= from && fromBot(m) && done.test(m.text), 20000);
  await new Promise((r) => setTimeout(r, 300));
  return bob.messages.slice(from).flatMap((m) => [...m.text.matchAll(/!job (\d+)/g)].map((x) => x[1]!));
}

async function slash(command: string, text: string): Promise<void> {
  const channel = `C0SECRETS${Math.random().toString(36).slice(2, 6)}`;
  const body = slashCommandBody({ command, text, user_id: ALICE_SLACK.id, user_name: 'alice', channel_id: channel, response_url: api.responseUrl() });
  expect((await postSigned(slack.eventsUrl!, SIGNING, body)).status).toBe(200);
  await api.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === channel && Boolean(c.args.thread_ts), 20000);
}

/** Where a secret could show: itself, base64 (as in a Secret's data), URL-encoded (a DSN). */
function shapes(s: string): string[] {
  return [s, Buffer.from(s).toString('base64').replace(/=+$/, ''), encodeURIComponent(s)];
}
function leaks(where: string, text: string): string[] {
  return secrets.flatMap((s) =>
    shapes(s)
      .filter((v) => text.includes(v))
      .map((v) => `${where}: ${v === s ? 'secret' : 'encoded secret'} ${s.slice(0, 6)}…`),
  );
}

it('every job kind, from IRC and Slack: no secret in chat, on a log page or in Redis', async () => {
  const jobs = new Set<string>();
  const run = async (text: string, done: RegExp) => (await ask(text, done)).forEach((j) => jobs.add(j));
  await run('!superset status staging', /^alice: superset staging: /);
  await run('!superset diff staging', /^alice: superset staging: /);
  await run('!superset deploy staging', /^alice: deployed superset staging/);
  await run('!paws deploy production', /^alice: deployed paws production/);
  tools.control({ noChangesIn: ['superset-next'] }); // a restart needs git and the cluster to agree
  await run('!superset restart staging', /^alice: restarted superset staging/);
  tools.control({ noChangesIn: [] });
  await run('!superset releases staging', /^alice: superset staging: release staging/);
  await run('!superset rollback staging', /^alice: rolled back superset staging/);
  await run(`!superset logs ${prodPod} production`, /^full log: /);
  await run('!paws logs hub production', /^full log: /);
  await run('!superset events staging', /^alice: superset staging: \d+ Warning event/);
  await run('!superset stop staging', /^alice: stopped superset staging/);
  await run('!superset start staging', /^alice: started superset staging/);
  await run('!jobs', /^alice: /);
  await slash('/superset', 'deploy staging');
  await slash('/superset', `logs ${prodPod} production`);
  await slash('/superset', 'diff staging');

  // the whole job history, and each job's signed log page
  const links: string[] = [];
  // every job, including the ones no reply named (the Slack ones): up to three past the highest named
  const last = Math.max(...[...jobs].map(Number)) + 3;
  for (let id = 1; id <= last; id++) {
    const from = bob.messages.length;
    alice.say(CHANNEL, `!job ${id} log`);
    const end = new RegExp(`^full log: https://deckhand\\.example\\.org/jobs/${id}\\?|^alice: (no job|job ${id} has no log)`);
    const m = await bob.waitFor((x) => bob.messages.indexOf(x) >= from && fromBot(x) && end.test(x.text), 15000);
    const link = /https:\/\/deckhand\.example\.org(\/jobs\/\S+)/.exec(m.text);
    if (link) links.push(link[1]!);
  }
  expect(links.length).toBeGreaterThanOrEqual(15);
  const found: string[] = [];
  for (const l of links) {
    const res = await fetch(`${stack.app.http!.url}${l}`);
    expect(res.status).toBe(200);
    found.push(...leaks(`page ${l}`, await res.text()));
  }
  for (const m of bob.messages) found.push(...leaks(`irc ${m.text.slice(0, 40)}`, m.text));
  // (the token itself goes to Slack with every Web API call: that is its use, not a leak)
  for (const c of api.calls) found.push(...leaks(`slack ${c.method}`, JSON.stringify({ ...c.args, token: undefined })));
  const keys = { n: 0 };
  found.push(...(await redisLeaks(stack.prefix, keys)), ...(await redisLeaks(slackPrefix, keys)));
  recordFigures('secrets', {
    secrets: secrets.length,
    jobs: last,
    ircLines: bob.messages.length,
    slackCalls: api.calls.length,
    logPages: links.length,
    redisKeys: keys.n,
    occurrences: found.length,
  });
  expect(found).toEqual([]);
  // and the data was there to leak: the redacted words reached chat
  expect(bob.messages.some((m) => m.text.includes('[redacted]'))).toBe(true);
}, 120000);

/** Every key under a prefix, whatever its type, as text. */
async function redisLeaks(prefix: string, keys: { n: number }): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const k of batch) {
      keys.n++;
      const type = await redis.type(k);
      const text =
        type === 'string'
          ? await redis.get(k)
          : type === 'hash'
            ? JSON.stringify(await redis.hgetall(k))
            : type === 'list'
              ? JSON.stringify(await redis.lrange(k, 0, -1))
              : type === 'set'
                ? JSON.stringify(await redis.smembers(k))
                : type === 'zset'
                  ? JSON.stringify(await redis.zrange(k, '0', '-1'))
                  : type === 'stream'
                    ? JSON.stringify(await redis.xrange(k, '-', '+'))
                    : '';
      out.push(...leaks(`redis ${k}`, text ?? ''));
    }
  } while (cursor !== '0');
  return out;
}
