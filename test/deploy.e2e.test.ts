// Deploys end to end on real parts: InspIRCd + Anope (people log in with SASL), slapd (their groups),
// Redis/BullMQ, the bot as it runs in production, a real deployment-charts git checkout, and the
// stand-in helmfile first on PATH. A watcher client sees every line in both channels.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
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
const c: Record<string, TestClient> = {};
/** Everything said in the channels, in order, as the watcher saw it (plus what the test's people typed). */
const transcript: string[] = [];

const fromBot = (re: RegExp, target?: string) => (m: Received) => m.from === 'deckhand' && re.test(m.text) && (!target || m.target === target);

function say(who: string, text: string, channel = CHANNEL): void {
  c[who]!.say(channel, text);
}

async function botSays(re: RegExp, target = CHANNEL, timeoutMs = 15000): Promise<string> {
  return (await c.watcher!.waitFor(fromBot(re, target), timeoutMs)).text;
}

beforeAll(async () => {
  [ircd, slapd, tools] = await Promise.all([startIrcd(), startSlapd(), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  await Promise.all(['alice', 'bob', 'carol'].map((n) => registerAccount(ircd, n, `${n}-secret`)));
  dir = directoryFor(slapd);
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL, OPS], slack: [] };
  const [s, alice, bob, carol, watcher] = await Promise.all([
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
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob', sasl: { account: 'bob', password: 'bob-secret' } }),
    connectClient(ircd, { nick: 'carol', sasl: { account: 'carol', password: 'carol-secret' } }),
    connectClient(ircd, { nick: 'watcher' }),
  ]);
  stack = s;
  Object.assign(c, { alice, bob, carol, watcher });
  await Promise.all([...Object.values(c).map((x) => x.join(CHANNEL)), watcher.join(OPS)]);
  watcher.client.on('privmsg', (e: { nick: string; target: string; message: string }) => transcript.push(`${e.target} <${e.nick}> ${e.message}`));
}, 60000);

afterAll(async () => {
  if (process.env.DECKHAND_TRANSCRIPT) process.stdout.write(transcript.join('\n') + '\n');
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

it('deploys production after a confirmation from the right person, announced on both channels', async () => {
  say('alice', '!superset deploy production');
  const summary = await botSays(/^alice: superset production: changes to deploy/);
  expect(summary).toMatch(
    /^alice: superset production: changes to deploy — 1 release \(production\): 3 resources \(Deployment production-deployment, ConfigMap production-config, Secret production-secret-config\), \+\d+\/-\d+ lines; keys: replicas, image, SUPERSET_WEBSERVER_TIMEOUT/,
  );
  const ask = await botSays(/^to go ahead/);
  const code = /!confirm ([a-z]{6})/.exec(ask)![1]!;
  expect(ask).toBe(`to go ahead, say within 5m00s: !confirm ${code} (or !cancel ${code})`);

  // bob is in the directory (wmf, nda) but may not deploy superset
  say('bob', `!confirm ${code}`);
  expect(await botSays(/^bob: /)).toBe(
    'bob: only alice or someone allowed to deploy superset production may confirm this: deploy superset production needs one of superset-admins, ops (you: nda, wmf)',
  );
  expect(tools.calls().filter((x) => x.sub === 'apply')).toEqual([]);

  say('alice', `!confirm ${code}`);
  const done = await botSays(/^alice: deployed superset production/);
  expect(done).toMatch(/^alice: deployed superset production in \S+: release production → revision 43 \(full log: !job \d+\)$/);
  const started = await botSays(/^superset production: deploy started by alice/, OPS);
  expect(started).toMatch(/^superset production: deploy started by alice \(job \d+\): 1 release \(production\)/);
  expect(await botSays(/^superset production: deploy by alice done/, OPS)).toMatch(
    /^superset production: deploy by alice done in \S+: release production → revision 43$/,
  );

  const calls = tools.calls();
  expect(calls.map((x) => [x.tool, ...x.argv].join(' '))).toEqual([
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad apply --suppress-secrets --skip-diff-on-install',
  ]);
  expect(calls.every((x) => x.cwd === `${repo.dir}/helmfile.d/dse-k8s-services/superset` && x.env.LOG_USER === 'alice')).toBe(true);
});

it('lets a confirmation expire', async () => {
  stack.config.deploy.confirmMinutes = 0.01;
  try {
    say('carol', '!superset deploy production');
    const code = /!confirm ([a-z]{6})/.exec(await botSays(/^to go ahead/))![1]!;
    await new Promise((r) => setTimeout(r, 800));
    say('carol', `!confirm ${code}`);
    expect(await botSays(/^carol: cannot confirm/)).toMatch(
      /^carol: cannot confirm: confirmation [a-z]{6} for the deploy of superset production expired at \d\d:\d\d UTC \(after 600ms\); nothing was done\. Ask again: !superset deploy production$/,
    );
  } finally {
    stack.config.deploy.confirmMinutes = 5;
  }
  expect(tools.calls().filter((x) => x.sub === 'apply')).toEqual([]);
});

it('runs one of two simultaneous deploys and names the holder to the other', async () => {
  tools.control({ applySleep: 1.5 });
  say('alice', '!superset deploy staging');
  say('carol', '!superset deploy staging');
  expect(await botSays(/is busy/)).toMatch(
    /^(alice|carol): superset staging is busy: deploy by (alice|carol) \(job \d+\) since \d\d:\d\d UTC \(\d+s ago\); try again when it is done$/,
  );
  await botSays(/: deployed superset staging/);
  expect(tools.calls().filter((x) => x.sub === 'apply')).toHaveLength(1);
});

it('freezes and unfreezes deploys, and restarts with roll_restart=1', async () => {
  say('carol', '!superset lock staging load test until 16:00');
  expect(await botSays(/^superset staging: deploys locked by carol/, OPS)).toBe(
    'superset staging: deploys locked by carol: load test until 16:00 (lift with !superset unlock staging)',
  );
  say('alice', '!superset restart staging');
  expect(await botSays(/^alice: /)).toMatch(
    /^alice: superset staging is locked by carol since \d\d:\d\d UTC: load test until 16:00 \(lift it with: superset unlock staging\)$/,
  );
  say('carol', '!superset unlock staging');
  await botSays(/^carol: superset: deploys unlocked by carol/);
  expect(tools.calls()).toEqual([]);

  tools.control({ diffExit: 0 });
  say('alice', '!superset restart staging');
  expect(await botSays(/^alice: restarted/)).toMatch(/^alice: restarted superset staging in \S+: release staging → revision 43/);
  expect(tools.calls().map((x) => [x.tool, ...x.argv].join(' '))).toEqual([
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad --state-values-set roll_restart=1 apply --suppress-secrets --skip-diff-on-install',
  ]);
});

it('refuses injection from IRC and starts nothing', async () => {
  const cases: [string, string][] = [
    ["!superset deploy 'production; rm -rf /'", `alice: superset has no environment "'production;" (did you mean production, staging?)`],
    [
      '!superset deploy production --set x=y',
      'alice: refused: deploy takes only an environment (got "--set x=y"); helmfile/helm options cannot be passed from chat',
    ],
    ['!superset deploy ../../etc', 'alice: superset has no environment "../../etc" (did you mean production, staging?)'],
  ];
  for (const [text, expected] of cases) {
    c.watcher!.clearMessages();
    say('alice', text);
    expect(await botSays(/^alice: /)).toBe(expected);
  }
  expect(tools.calls()).toEqual([]);
});

it('never put a secret or a control character on IRC', async () => {
  stack.config.deploy.chatLines = 40;
  try {
    say('alice', '!superset diff staging');
    await botSays(/^full log: /);
  } finally {
    stack.config.deploy.chatLines = 6;
  }
  const fromDeckhand = transcript.filter((l) => / <deckhand> /.test(l));
  expect(fromDeckhand.length).toBeGreaterThan(30);
  for (const line of fromDeckhand) {
    for (const s of [tools.secret, tools.pemLine, tools.base64Blob]) expect(line).not.toContain(s);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  }
  expect(fromDeckhand).toContain(
    `${CHANNEL} <deckhand> + SQLALCHEMY_DATABASE_URI = "mysql://superset:[redacted]@an-mariadb1002.eqiad.wmnet/superset_production"`,
  );
});
