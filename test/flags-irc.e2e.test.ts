// A feature-flag toggle end to end on real parts: InspIRCd + Anope (alice logs in with SASL), slapd (her
// groups, her cn and mail for the commit), Redis/BullMQ, the bot, a real deployment-charts checkout with
// a bare remote, the stand-in helmfile first on PATH. A second real client (bob) watches the channel.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { exampleConfig } from './support/config.js';
import { createDeploymentCharts, PATHS, type DeploymentCharts } from './support/deployment-charts.js';
import { directoryFor } from './support/directory.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { startSlapd, type Slapd } from './support/slapd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

let ircd: Ircd;
let slapd: Slapd;
let stack: Stack;
let dir: ReturnType<typeof directoryFor>;
let tools: FakeTools;
let dc: DeploymentCharts;
let alice: TestClient;
let bob: TestClient;
const fromBot = (re: RegExp) => (m: Received) => m.from === 'deckhand' && m.target === CHANNEL && re.test(m.text);

beforeAll(async () => {
  [ircd, slapd, tools] = await Promise.all([startIrcd(), startSlapd(), installFakeTools()]);
  dc = createDeploymentCharts();
  process.env.PATH = tools.pathEnv;
  await registerAccount(ircd, 'alice', 'alice-secret');
  dir = directoryFor(slapd);
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL], slack: [] };
  [stack, alice, bob] = await Promise.all([
    startStack({ ircd, directory: dir.lookup, config: { services, deploymentCharts: { checkout: dc.checkout, push: 'direct' } } }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob' }),
  ]);
  await Promise.all([alice.join(CHANNEL), bob.join(CHANNEL)]);
}, 60000);

afterAll(async () => {
  await stack?.stop();
  await dir?.ldap.close();
  await Promise.all([ircd?.stop(), slapd?.close()]);
  tools?.cleanup();
  dc?.cleanup();
});

it('alice turns a flag on for staging from IRC: bob sees the commit and the deploy, the remote has her commit', async () => {
  alice.say(CHANNEL, '!superset flag ALERT_REPORTS on staging');
  const commit = await bob.waitFor(fromBot(/^alice: enable ALERT_REPORTS for superset staging in /), 20000);
  expect(commit.text).toMatch(/: commit [0-9a-f]{12} by Alice Example <alice@wikimedia\.org>, pushed to origin master$/);
  await bob.waitFor(fromBot(/^deployed superset staging in .*release staging → revision 43 \(full log: !job \d+\)$/), 20000);
  const log = dc.git(dc.remote, 'log', '-1', '--format=%an <%ae>|%s', 'master').trim();
  expect(log).toMatch(/^Alice Example <alice@wikimedia\.org>\|superset-next: enable ALERT_REPORTS \(via deckhand, job \d+\)$/);
  expect(dc.read(PATHS.staging)).toContain('extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]');
  expect(tools.calls().map((c) => [c.argv[2], c.env.LOG_USER])).toEqual([
    ['diff', 'alice'],
    ['apply', 'alice'],
  ]);

  // bob has no services account: he may read the flags, not change them
  bob.clearMessages();
  bob.say(CHANNEL, '!superset flag ALERT_REPORTS off staging');
  expect((await bob.waitFor(fromBot(/^bob: /))).text).toMatch(/^bob: flag superset staging needs a services account: log in to services first/);
  bob.say(CHANNEL, '!superset flags staging');
  await bob.waitFor(fromBot(/^ {2}ALERT_REPORTS on — helmfile\.d\/dse-k8s-services\/superset-next\/values-staging\.yaml:7 /));
});
