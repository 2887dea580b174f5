// releases, rollback, stop and start end to end on real parts: InspIRCd + Anope (SASL logins), slapd
// (groups), Redis/BullMQ, the bot as in production, a real deployment-charts checkout with the stand-in
// helm first on PATH, and the fake Kubernetes API (scale subresource). A watcher sees both channels.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DeployStore } from '../src/deploy/store.js';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { startSlapd, type Slapd } from './support/slapd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const OPS = '#wikimedia-operations';
const KUBECONFIG = '/etc/kubernetes/superset-deploy-dse-k8s-eqiad.config';
let ircd: Ircd;
let slapd: Slapd;
let stack: Stack;
let tools: FakeTools;
let repo: ChartsRepo;
let directory: ReturnType<typeof directoryFor>;
const people: Record<string, TestClient> = {};

/** A line from the bot matching `re` in `target` (already received, or the next one). */
const heard = async (re: RegExp, target = CHANNEL): Promise<string> =>
  (await people.watcher!.waitFor((m: Received) => m.from === 'deckhand' && m.target === target && re.test(m.text), 15000)).text;

beforeAll(async () => {
  [ircd, slapd, tools] = await Promise.all([startIrcd(), startSlapd(), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  for (const n of ['alice', 'bob', 'carol']) await registerAccount(ircd, n, `${n}-secret`);
  directory = directoryFor(slapd);
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL, OPS], slack: [] };
  services.superset!.permissions = {
    ...services.superset!.permissions,
    rollback: ['superset-admins', 'ops'],
    stop: ['superset-admins', 'ops'],
    start: ['superset-admins', 'ops'],
  };
  stack = await startStack({
    ircd,
    directory: directory.lookup,
    config: {
      services,
      rateLimit: { perMinute: 0 },
      irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL, OPS], rate: { burst: 50, perSecond: 200 } },
      deploymentCharts: { checkout: repo.dir },
      deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1 },
    },
  });
  for (const n of ['alice', 'bob', 'carol', 'watcher']) {
    people[n] = await connectClient(ircd, { nick: n, ...(n === 'watcher' ? {} : { sasl: { account: n, password: `${n}-secret` } }) });
    await people[n]!.join(CHANNEL);
  }
  await people.watcher!.join(OPS);
}, 60000);

afterAll(async () => {
  await stack?.stop();
  await directory?.ldap.close();
  await Promise.all([ircd?.stop(), slapd?.close()]);
  tools?.cleanup();
  repo?.cleanup();
});

const say = (who: string, text: string) => people[who]!.say(CHANNEL, text);
const helm = () =>
  tools
    .calls()
    .filter((x) => x.tool === 'helm')
    .map((x) => ['helm', ...x.argv].join(' '));

it('releases after two deploys names the jobs; rollback of production asks from → to and holds the lock', async () => {
  say('alice', '!superset deploy staging');
  await heard(/^alice: deployed superset staging/);
  say('carol', '!superset deploy staging');
  await heard(/^carol: deployed superset staging/);
  say('bob', '!superset releases staging');
  expect(await heard(/^bob: superset staging: release/)).toBe('bob: superset staging: release staging in superset-next, 4 revisions');
  expect(await heard(/^44 · /)).toMatch(/^44 · deployed · \S+ ago · superset-0\.12\.8 · app 4\.1\.3 · Upgrade complete · #\d+ deploy by carol$/);
  expect(await heard(/^43 · /)).toMatch(/ · #\d+ deploy by alice$/);

  tools.control({ applySleep: 1.5 });
  say('alice', '!superset rollback production');
  expect(await heard(/^alice: superset production: rollback/)).toBe(
    'alice: superset production: rollback from revision 42 (superset-0.12.6, app 4.1.1) → revision 41 (superset-0.12.5, app 4.1.0)',
  );
  const code = /!confirm ([a-z]{6})/.exec(await heard(/^to go ahead/))![1]!;
  say('bob', `!confirm ${code}`);
  expect(await heard(/^bob: only alice/)).toMatch(/may confirm this: rollback superset production needs one of superset-admins, ops \(you: nda, wmf\)$/);
  say('carol', `!confirm ${code}`);
  expect(await heard(/^superset production: rollback started/, OPS)).toMatch(
    /^superset production: rollback started by alice, confirmed by carol \(job \d+\): from revision 42 .* → revision 41 /,
  );
  expect((await new DeployStore({ connection: stack.app.redis, prefix: stack.prefix }).holder('superset', 'production'))?.verb).toBe('rollback');
  expect(await heard(/^superset production: rollback by alice done/, OPS)).toMatch(
    /release production → revision 43 .*; superset production now differs from git; the next deploy re-applies git$/,
  );
  expect(helm().filter((a) => a.includes('production'))).toEqual([
    'helm history production -n superset -o json --kubeconfig ' + KUBECONFIG,
    'helm history production -n superset -o json --kubeconfig ' + KUBECONFIG,
    `helm rollback production 41 -n superset --wait --timeout 840s --kubeconfig ${KUBECONFIG}`,
    'helm history production -n superset -o json --kubeconfig ' + KUBECONFIG,
  ]);
  tools.control({ applySleep: 0 });
});

it('stop then start staging restores the recorded replicas, announced on both channels; bob may do neither', async () => {
  say('bob', '!superset stop staging');
  expect(await heard(/^bob: stop/)).toBe('bob: stop superset staging needs one of superset-admins, ops (you: nda, wmf)');
  say('bob', '!superset rollback staging');
  expect(await heard(/^bob: rollback/)).toBe('bob: rollback superset staging needs one of superset-admins, ops (you: nda, wmf)');

  say('alice', '!superset stop staging');
  expect(await heard(/^superset staging: stop by alice done/, OPS)).toMatch(
    /^superset staging: stop by alice done in \S+: superset-staging 2 → 0 replicas; superset staging is down on purpose until !superset start staging$/,
  );
  expect(await stack.kube.getScale('dse-k8s-eqiad', 'superset-next', 'superset-staging')).toEqual({ replicas: 0, current: 0 });
  say('bob', '!superset start staging');
  expect(await heard(/^bob: start/)).toBe('bob: start superset staging needs one of superset-admins, ops (you: nda, wmf)');
  say('carol', '!superset start staging');
  expect(await heard(/^carol: started superset staging/)).toMatch(
    /^carol: started superset staging in \S+: superset-staging 0 → 2 replicas \(full log: !job \d+\)$/,
  );
  expect(await heard(/^superset staging: start started by carol/, OPS)).toMatch(
    /superset-staging 0 → 2 replicas in superset-next \(as before the stop by alice/,
  );
  expect(await stack.kube.getScale('dse-k8s-eqiad', 'superset-next', 'superset-staging')).toEqual({ replicas: 2, current: 2 });
});
