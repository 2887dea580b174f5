// A second person's approval, end to end on real parts: InspIRCd + Anope (people log in with SASL),
// slapd (their groups), Redis/BullMQ, a real deployment-charts checkout, the stand-in helmfile first
// on PATH. superset production asks for 2 approvals from wmf or ops, not from the requester; a
// watcher client sees both channels. alice: superset-admins, wmf; bob: wmf, nda; carol: ops;
// mallory: no groups.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { AuditLog } from '../src/history/audit.js';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { REDIS_URL } from './support/redis.js';
import { startSlapd, type Slapd } from './support/slapd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const OPS = '#wikimedia-operations';
const SECRET_ENV = 'SUPERSET_DB_PASSWORD';

let ircd: Ircd;
let slapd: Slapd;
let stack: Stack;
let dir: ReturnType<typeof directoryFor>;
let tools: FakeTools;
let repo: ChartsRepo;
let redis: Redis;
const c: Record<string, TestClient> = {};
/** Everything said in the channels, as the watcher saw it (DECKHAND_TRANSCRIPT=1 prints it). */
const transcript: string[] = [];

const fromBot = (re: RegExp, target: string) => (m: Received) => m.from === 'deckhand' && re.test(m.text) && m.target === target;
const say = (who: string, text: string) => c[who]!.say(CHANNEL, text);
const botSays = async (re: RegExp, target = CHANNEL, timeoutMs = 15000) => (await c.watcher!.waitFor(fromBot(re, target), timeoutMs)).text;
const applies = () => tools.calls().filter((x) => x.sub === 'apply');

/** alice asks for a production deploy; the code of the question. */
async function ask(): Promise<string> {
  say('alice', '!superset deploy production');
  const line = await botSays(/^this needs/);
  expect(line).toMatch(/^this needs 2 approvals from people in wmf or ops other than alice within \S+: !approve ([a-z]{6}) \(to drop it: !cancel \1\)$/);
  return /!approve ([a-z]{6})/.exec(line)![1]!;
}

beforeAll(async () => {
  [ircd, slapd, tools] = await Promise.all([startIrcd(), startSlapd(), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  const people = ['alice', 'bob', 'carol', 'mallory'];
  await Promise.all(people.map((n) => registerAccount(ircd, n, `${n}-secret`)));
  dir = directoryFor(slapd);
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL, OPS], slack: [] };
  services.superset!.environments.production!.approvals = { required: 2, groups: ['wmf', 'ops'], selfApproval: false };
  const [s, watcher, ...clients] = await Promise.all([
    startStack({
      ircd,
      directory: dir.lookup,
      config: {
        services,
        irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL, OPS], rate: { burst: 50, perSecond: 200 } },
        deploymentCharts: { checkout: repo.dir },
        deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: [SECRET_ENV] },
      },
    }),
    connectClient(ircd, { nick: 'watcher' }),
    ...people.map((n) => connectClient(ircd, { nick: n, sasl: { account: n, password: `${n}-secret` } })),
  ]);
  stack = s;
  c.watcher = watcher;
  people.forEach((n, i) => (c[n] = clients[i]!));
  await Promise.all([...Object.values(c).map((x) => x.join(CHANNEL)), watcher.join(OPS)]);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  watcher.client.on('privmsg', (e: { nick: string; target: string; message: string }) => transcript.push(`${e.target} <${e.nick}> ${e.message}`));
}, 60000);

afterAll(async () => {
  if (process.env.DECKHAND_TRANSCRIPT) process.stdout.write(transcript.join('\n') + '\n');
  redis?.disconnect();
  await stack?.stop();
  await dir?.ldap.close();
  await Promise.all([ircd?.stop(), slapd?.close()]);
  tools?.cleanup();
  repo?.cleanup();
});

beforeEach(() => {
  tools.reset();
  for (const x of Object.values(c)) x.clearMessages();
});

it('refuses the requester and the wrong group, counts two approvals, then deploys; both channels hear who approved; history and audit keep them', async () => {
  const code = await ask();

  say('alice', `!approve ${code}`);
  expect(await botSays(/^alice: alice asked/)).toBe(
    'alice: alice asked for the deploy of superset production: the approvals must come from someone else (2 approvals from people in wmf or ops other than alice)',
  );
  say('alice', `!confirm ${code}`);
  expect(await botSays(/^alice: the deploy/)).toBe(
    `alice: the deploy of superset production asked by alice starts on approvals, not a confirm: it needs 2 approvals from people in wmf or ops other than alice (!approve ${code})`,
  );
  say('mallory', `!approve ${code}`);
  expect(await botSays(/^mallory: approving/)).toBe('mallory: approving the deploy of superset production needs one of wmf, ops (you: no groups)');

  say('bob', `!approve ${code}`);
  expect(await botSays(/^bob: superset production/)).toMatch(
    /^bob: superset production: deploy asked by alice approved by bob \(1 of 2\); 1 more needed before \d\d:\d\d UTC$/,
  );
  expect(await botSays(/approved by bob/, OPS)).toMatch(/^superset production: deploy asked by alice approved by bob \(1 of 2\); 1 more needed before/);
  say('bob', `!approve ${code}`);
  expect(await botSays(/^bob: you approved/)).toBe(
    'bob: you approved the deploy of superset production already; it needs 2 approvals from people in wmf or ops other than alice',
  );
  expect(applies()).toEqual([]);

  say('carol', `!approve ${code}`);
  expect(await botSays(/approved by bob and carol/, OPS)).toBe('superset production: deploy asked by alice approved by bob and carol (2 of 2): starting');
  expect(await botSays(/deploy started by/, OPS)).toMatch(/^superset production: deploy started by alice, approved by bob and carol \(job \d+\): 1 release/);
  const done = await botSays(/^carol: deployed superset production/);
  expect(await botSays(/deploy by alice done/, OPS)).toMatch(/^superset production: deploy by alice done in \S+: release production → revision 43$/);
  expect(applies().map((x) => x.env.LOG_USER)).toEqual(['alice']);

  // the job that started it (carol's approval) names the requester and the approvers
  const job = /!job (\d+)/.exec(done)![1]!;
  say('alice', `!job ${job}`);
  expect(await botSays(/^alice: #/)).toMatch(
    new RegExp(`^alice: #${job} approve \\(args: ${code}\\) by carol: succeeded in \\S+ — deployed superset production`),
  );
  expect(await botSays(/^asked by/)).toBe('asked by alice, approved by bob and carol');

  // the audit log holds each approval decision with the requester and the approvers so far
  const entries = await redis.xrange(new AuditLog({ connection: redis, prefix: stack.prefix }).key, '-', '+');
  const approvals = entries
    .map(([, kv]) => Object.fromEntries(kv.flatMap((v, i) => (i % 2 ? [] : [[v, kv[i + 1]!]]))))
    .filter((e) => e.verb === 'approve' && e.requestedBy);
  expect(approvals.map((e) => [e.user, e.allowed, e.approvedBy ?? ''])).toEqual([
    ['alice', '0', ''],
    ['mallory', '0', ''],
    ['bob', '1', 'bob'],
    ['carol', '1', 'bob,carol'],
  ]);
  expect(approvals.every((e) => e.requestedBy === 'alice' && e.service === 'superset' && e.environment === 'production')).toBe(true);
});

it('two approvals at the same moment start the change once', async () => {
  const code = await ask();
  say('bob', `!approve ${code}`);
  say('carol', `!approve ${code}`);
  await botSays(/: deployed superset production/);
  await new Promise((r) => setTimeout(r, 500));
  expect(applies()).toHaveLength(1);
  // whichever came second either completed the count or was told it was taken; never a second deploy
  const said = c.watcher!.messages.filter((m) => m.from === 'deckhand' && m.target === CHANNEL).map((m) => m.text);
  expect(said.filter((t) => /deploy started by alice, approved by (bob and carol|carol and bob)/.test(t))).toHaveLength(1);
});

it('lets the confirmation expire before enough approvals: nothing runs', async () => {
  stack.config.deploy.confirmMinutes = 0.02;
  try {
    const code = await ask();
    say('bob', `!approve ${code}`);
    await botSays(/^bob: superset production: deploy asked by alice approved by bob \(1 of 2\)/);
    await new Promise((r) => setTimeout(r, 1300));
    say('carol', `!approve ${code}`);
    expect(await botSays(/^carol: cannot approve/)).toMatch(
      new RegExp(
        `^carol: cannot approve: confirmation ${code} for the deploy of superset production expired at \\d\\d:\\d\\d UTC \\(after 1\\.2s\\); nothing was done\\. Ask again: !superset deploy production$`,
      ),
    );
  } finally {
    stack.config.deploy.confirmMinutes = 5;
  }
  await new Promise((r) => setTimeout(r, 300));
  expect(applies()).toEqual([]);
});
