// Service-aware health end to end on real parts: InspIRCd + Anope (SASL logins), slapd (groups), Redis,
// the bot with its downtime monitor, the fake Kubernetes API with the Superset operator's CR and the
// service proxy to an HTTP server standing in for the applications (Superset's /health, Airflow 3's
// health JSON). A second IRC client sees what a channel sees; the CR is read back with the real kubectl.
// The monitor's time is a hand-moved clock (60 s thresholds crossed without waiting); probes run on real time.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Config } from '../src/config/schema.js';
import { kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { FakeClock } from '../src/maintenance/clock.js';
import type { Monitor } from '../src/monitor/monitor.js';
import { makeDeployment, makePod, SUPERSET_NEXT_IMAGE } from '../src/sandbox/fixtures.js';
import { makeSuperset, type SupersetShape } from '../src/sandbox/kube-api-superset.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { eventually, sleep, startBot, type Bot } from './support/announce-stack.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startSlapd, type Slapd } from './support/slapd.js';

const CHANNEL = '#analytics';
const SEC = 1000;
const T0 = (() => {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  return d.getTime() + 86400_000;
})();
const execFileP = promisify(execFile);

let ircd: Ircd;
let slapd: Slapd;
let api: FakeKubeApi;
let app: Server;
let bot: Bot;
let directory: ReturnType<typeof directoryFor>;
let kubeDir: string;
const prefix = freshPrefix('health');
const clock = new FakeClock(T0);
const people: Record<string, TestClient> = {};
/** What the stand-in applications answer. */
const apps = { superset: 'ok' as 'ok' | 'hang' | 'fail', heartbeatAgeMs: 4 * SEC };
const hung: ServerResponse[] = [];

function pods(namespace: string, app: string, deployment: string, image: string, count: number): { pods: V1Pod[]; deployment: V1Deployment } {
  const labels = { app, release: deployment };
  return {
    pods: Array.from({ length: count }, (_, i) => makePod({ namespace, labels, image, deployment, seed: i, ageSeconds: 3 * 86400 })),
    deployment: makeDeployment({ namespace, name: deployment, labels, image, replicas: count }),
  };
}
const cr = (s: Partial<SupersetShape>) => makeSuperset({ namespace: 'superset-next', name: 'superset', phase: 'Running', tag: '6.0.0', ...s });
const prodCr = (s: Partial<SupersetShape>) => cr({ namespace: 'superset', ...s });

/** Airflow 3's /api/v2/monitor/health: 200 whatever the parts say; the heartbeat relative to the monitor's clock. */
function airflowHealth(): string {
  const beat = new Date(clock.now() - apps.heartbeatAgeMs).toISOString();
  return JSON.stringify({
    metadatabase: { status: 'healthy' },
    scheduler: { status: apps.heartbeatAgeMs > 30 * SEC ? 'unhealthy' : 'healthy', latest_scheduler_heartbeat: beat },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: { status: 'healthy', latest_dag_processor_heartbeat: beat },
  });
}

const monitor = (): Monitor => bot.app.monitor!;
/** The watcher's messages from `since` on: `say` moves it, so `heard` waits for the answer to what was just said. */
let since = 0;
const say = (who: string, text: string) => {
  since = people.watcher!.messages.length;
  people[who]!.say(CHANNEL, text);
};
const botLines = (re: RegExp) =>
  people.watcher!.messages.filter((m: Received) => m.from === 'deckhand' && m.target === CHANNEL && re.test(m.text)).map((m) => m.text);
const heard = async (re: RegExp, timeoutMs = 15000): Promise<string> => {
  const old = new Set(people.watcher!.messages.slice(0, since));
  return (await people.watcher!.waitFor((m: Received) => !old.has(m) && m.from === 'deckhand' && m.target === CHANNEL && re.test(m.text), timeoutMs)).text;
};
/** The leader has seen the change: a pending transition is stored (after a fresh probe round). */
const pending = async (key: string, yes = true) => {
  await eventually(
    async () => {
      await monitor().probe();
      await monitor().tick();
      return ((await monitor().states())[key]!.pendingSince !== undefined) === yes;
    },
    8000,
    `pending ${key} ${yes}`,
  );
};
/** Move the clock past the 60 s threshold and judge. */
const crossThreshold = async () => {
  clock.advance(61 * SEC);
  await monitor().probe();
  await monitor().tick();
};
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await execFileP('kubectl', ['--kubeconfig', join(kubeDir, 'kubeconfig'), '--cache-dir', join(kubeDir, 'cache'), ...args], {
    timeout: 20_000,
  });
  return stdout;
}

beforeAll(async () => {
  app = createServer((req, res) => {
    if (req.url === '/health') {
      if (apps.superset === 'hang') return void hung.push(res);
      if (apps.superset === 'fail') return void res.writeHead(503, { 'Content-Type': 'text/plain' }).end('metadata database unreachable');
      return void res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('OK');
    }
    if (req.url === '/api/v2/monitor/health') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(airflowHealth());
    res.writeHead(404).end('Not Found');
  });
  const staging = pods('superset-next', 'superset', 'superset-staging', SUPERSET_NEXT_IMAGE, 2);
  const production = pods('superset', 'superset', 'superset-production', SUPERSET_NEXT_IMAGE, 2);
  const airflow = pods('airflow-search', 'airflow', 'airflow-scheduler', 'docker-registry.wikimedia.org/repos/data-engineering/airflow:2026-11-02-103000', 3);
  [ircd, slapd, api] = await Promise.all([
    startIrcd(),
    startSlapd(),
    startFakeKubeApi({
      seed: {
        pods: [...staging.pods, ...production.pods, ...airflow.pods],
        deployments: [staging.deployment, production.deployment, airflow.deployment],
        events: [],
      },
    }),
    new Promise<void>((r) => app.listen(0, '127.0.0.1', r)),
  ]);
  const upstream = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  api.proxies.set('superset-next', 'superset-staging', [8088], upstream);
  api.proxies.set('superset', 'superset-production', [8088], upstream);
  api.proxies.set('airflow-search', 'airflow-api-server', [8080], upstream);
  api.upsertSuperset(cr({}));
  api.upsertSuperset(prodCr({}));
  kubeDir = await mkdtemp(join(tmpdir(), 'deckhand-health-'));
  await writeFile(join(kubeDir, 'kubeconfig'), kubeConfigYaml(kubeConfigForUrl(api.url)));

  for (const n of ['alice', 'bob', 'carol']) await registerAccount(ircd, n, `${n}-secret`);
  directory = directoryFor(slapd);
  const base = exampleConfig().services;
  const superset = {
    ...base.superset!,
    announce: { irc: [CHANNEL], slack: [] },
    permissions: { ...base.superset!.permissions, 'approve-upgrade': ['superset-admins'] },
    health: { kind: 'superset', timeoutMs: 1000 },
    environments: {
      // production: a second person's approval in one of ops (the approvals of every production change)
      production: { ...base.superset!.environments.production!, operator: { name: 'superset' }, approvals: { required: 1, groups: ['ops'] } },
      staging: { ...base.superset!.environments.staging!, operator: { name: 'superset' } },
    },
  };
  const airflowSearch = {
    ...base['airflow-search']!,
    announce: { irc: [CHANNEL], slack: [] },
    health: { kind: 'airflow3', probes: [{ service: 'airflow-api-server', port: 8080 }] },
  };
  const config: Config = exampleConfig({
    redis: { url: REDIS_URL, prefix },
    irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL], rate: { burst: 100, perSecond: 500 } },
    services: { superset, 'airflow-search': airflowSearch },
    rollouts: {},
    monitor: { enabled: true, downAfterSeconds: 60, upAfterSeconds: 60, resyncSeconds: 300, pollSeconds: 1, leaseSeconds: 2, healthSeconds: 0.3 },
  });
  bot = await startBot({ config, api, prefix, clock, directory: directory.lookup });
  await Promise.all(
    ['alice', 'bob', 'carol', 'watcher'].map(async (n) => {
      people[n] = await connectClient(ircd, { nick: n, ...(n === 'watcher' ? {} : { sasl: { account: n, password: `${n}-secret` } }) });
      await people[n]!.join(CHANNEL);
    }),
  );
  await eventually(() => monitor().isLeader, 5000, 'the monitor leading');
}, 60000);

afterAll(async () => {
  for (const r of hung) r.destroy();
  await bot?.stop();
  await directory?.ldap.close();
  await Promise.all([api?.close(), new Promise((r) => (app ? app.close(r) : r(undefined))), ircd?.stop(), slapd?.close()]);
  if (kubeDir) await rm(kubeDir, { recursive: true, force: true });
  await dropPrefix(prefix);
});

afterEach(() => {
  // SHOW_LINES=1: the channel as the watcher saw it (for the README)
  if (process.env.SHOW_LINES) process.stderr.write(`${people.watcher!.messages.map((m) => `<${m.from}> ${m.text}`).join('\n')}\n\n`);
});

beforeEach(() => {
  people.watcher?.clearMessages();
  since = 0;
});

it('status shows the probes compactly; an Airflow with Ready pods and a stale scheduler heartbeat is shown and announced down, then recovered', async () => {
  clock.set(T0 + 2 * 60 * SEC); // 12:02
  say('bob', '!airflow-search status');
  expect(await heard(/^bob: airflow-search production/)).toMatch(
    /^bob: airflow-search production: 3\/3 ready, scheduler heartbeat 4s ago, image 2026-11-02-103000, 0 restarts, up 3d$/,
  );

  apps.heartbeatAgeMs = 6 * 60 * SEC;
  say('bob', '!airflow-search status');
  expect(await heard(/^bob: airflow-search production/)).toMatch(/^bob: airflow-search production: 3\/3 ready, scheduler: no heartbeat for 6m, image /);

  await pending('airflow-search/production');
  clock.advance(59 * SEC);
  await monitor().tick();
  await sleep(200);
  expect(botLines(/^\[DOWN\]/)).toEqual([]); // 59 s: not yet
  clock.advance(2 * SEC);
  await monitor().tick();
  expect(await heard(/^\[DOWN\] airflow-search/)).toBe('[DOWN] airflow-search production: 3/3 ready since 12:02 UTC (scheduler: no heartbeat for 6m)');

  apps.heartbeatAgeMs = 2 * SEC;
  await pending('airflow-search/production');
  await crossThreshold();
  expect(await heard(/^\[RECOVERED\] airflow-search/)).toBe('[RECOVERED] airflow-search production after 1m (3/3 ready)');
  await sleep(300);
  expect(botLines(/^\[(DOWN|RECOVERED)\]/)).toHaveLength(2);
}, 40000);

it('the operator CR leads status; Running → Degraded → Running gives one [DOWN] and one [RECOVERED]', async () => {
  clock.set(T0 + 20 * 60 * SEC); // 12:20
  say('bob', '!superset status staging');
  expect(await heard(/^bob: superset staging/)).toBe('bob: superset staging: Running 2/2, tag 6.0.0 (operator), health OK');

  api.upsertSuperset(
    cr({
      phase: 'Degraded',
      message: 'celeryWorker: 0 of 1 replicas ready',
      components: { webServer: { ready: 2, desired: 2 }, celeryWorker: { ready: 0, desired: 1, phase: 'Unavailable', message: 'CrashLoopBackOff' } },
      tasks: { migrate: { state: 'Failed', attempts: 3, message: 'alembic: relation "dashboards" already exists' } },
    }),
  );
  say('bob', '!superset status staging');
  expect(await heard(/^bob: superset staging/)).toBe('bob: superset staging: Degraded 2/3, tag 6.0.0 (operator), health OK');
  expect(await heard(/^ {2}Degraded: /)).toBe('  Degraded: celeryWorker: 0 of 1 replicas ready');
  expect(await heard(/^ {2}celeryWorker/)).toBe('  celeryWorker: Unavailable, 0 ready (CrashLoopBackOff)');
  expect(await heard(/^ {2}lifecycle/)).toBe('  lifecycle migrate: Failed after 3 attempts (alembic: relation "dashboards" already exists)');

  await pending('superset/staging');
  await crossThreshold();
  expect(await heard(/^\[DOWN\] superset staging/)).toBe(
    '[DOWN] superset staging: 2/2 ready since 12:20 UTC (operator: Degraded (celeryWorker: 0 of 1 replicas ready))',
  );
  // still Degraded a while later: nothing more
  await crossThreshold();
  api.upsertSuperset(cr({}));
  await pending('superset/staging');
  await crossThreshold();
  expect(await heard(/^\[RECOVERED\] superset staging/)).toBe('[RECOVERED] superset staging after 2m (2/2 ready)');
  await crossThreshold();
  await sleep(300);
  expect(botLines(/^\[(DOWN|RECOVERED)\] superset/)).toHaveLength(2);
}, 40000);

it('AwaitingApproval is announced once; approve-upgrade: refused to bob, confirmed by alice, the annotation carries the token; asking again after the operator used it says so', async () => {
  const token = 'upg-7f3c9a2e41d84b6c';
  api.upsertSuperset(cr({ phase: 'AwaitingApproval', tag: '5.0.0', upgrade: { fromTag: '5.0.0', toTag: '6.0.0', approvalToken: token } }));
  expect(await heard(/^\[APPROVAL\]/)).toBe('[APPROVAL] superset staging: upgrade 5.0.0 → 6.0.0 waits for approval: !superset approve-upgrade staging');
  for (let i = 0; i < 4; i++) await crossThreshold();
  say('bob', '!superset status staging');
  expect(await heard(/^ {2}upgrade/)).toBe('  upgrade 5.0.0 → 6.0.0 waits for approval: !superset approve-upgrade staging');

  say('bob', '!superset approve-upgrade staging');
  expect(await heard(/^bob: approve-upgrade/)).toBe('bob: approve-upgrade superset staging needs one of superset-admins (you: nda, wmf)');

  say('alice', '!superset approve-upgrade staging');
  expect(await heard(/^alice: superset staging: approve-upgrade/)).toBe(
    'alice: superset staging: approve-upgrade 5.0.0 → 6.0.0 (Superset superset-next/superset, approval token upg-7f3c…)',
  );
  const code = /!confirm ([a-z]{6})/.exec(await heard(/^to go ahead/))![1]!;
  // nothing is set before the confirmation
  expect(await kubectl('get', 'superset', 'superset', '-n', 'superset-next', '-o', 'jsonpath={.metadata.annotations}')).toBe('');
  say('alice', `!confirm ${code}`);
  expect(await heard(/^alice: approved the upgrade of superset staging/)).toMatch(
    /^alice: approved the upgrade of superset staging in \S+: 5\.0\.0 → 6\.0\.0: superset\.apache\.org\/approve-upgrade=upg-7f3c… set on Superset superset-next\/superset; the operator takes it from here \(full log: !job \d+\)$/,
  );
  const annotations = JSON.parse(await kubectl('get', 'superset', 'superset', '-n', 'superset-next', '-o', 'jsonpath={.metadata.annotations}')) as Record<
    string,
    string
  >;
  expect(annotations).toEqual({ 'superset.apache.org/approve-upgrade': token });

  // the audit log has both decisions (the worker's re-check included)
  const audit = await bot.app.redis.xrange(`${prefix}:audit`, '-', '+');
  const decisions = audit
    .map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))) as Record<string, string>)
    .filter((e) => e.verb === 'approve-upgrade')
    .map((e) => `${e.stage} ${e.user} ${e.allowed}`);
  expect(decisions).toEqual(expect.arrayContaining(['gateway bob 0', 'gateway alice 1', 'worker alice 1']));

  // the operator consumes the token: the upgrade runs, the status no longer has one waiting
  const approved = api.getSuperset('superset-next', 'superset')!;
  api.upsertSuperset({ ...cr({ phase: 'Upgrading', tag: '5.0.0' }), metadata: { ...approved.metadata } });
  say('alice', '!superset approve-upgrade staging');
  expect(await heard(/^alice: superset staging: no upgrade/)).toBe(
    'alice: superset staging: no upgrade waits for approval (Upgrading, tag 5.0.0): the approval already given (token upg-7f3c…) was used by the operator',
  );
  await sleep(300);
  expect(botLines(/^\[APPROVAL\]/)).toHaveLength(1);
}, 40000);

it('a probe that hangs times out within its bound and says so', async () => {
  api.upsertSuperset(cr({}));
  apps.superset = 'hang';
  const asked = Date.now();
  say('bob', '!superset status staging');
  expect(await heard(/^bob: superset staging/)).toBe('bob: superset staging: Running 2/2, tag 6.0.0 (operator), health: no answer within 1s');
  const took = Date.now() - asked;
  expect(took).toBeGreaterThanOrEqual(1000);
  expect(took).toBeLessThan(2500); // the 1 s bound, plus the IRC round trips
  apps.superset = 'fail';
  say('bob', '!superset status production');
  expect(await heard(/^bob: superset production/)).toBe(
    'bob: superset production: Running 2/2, tag 6.0.0 (operator), health: HTTP 503 (metadata database unreachable)',
  );
  apps.superset = 'ok';
}, 20000);

it("production's approval rules hold for approve-upgrade: alice asks, carol (ops) approves, the annotation is set", async () => {
  const token = 'prod-0b5e2d7c9a';
  api.upsertSuperset(prodCr({ phase: 'AwaitingApproval', tag: '5.0.0', upgrade: { fromTag: '5.0.0', toTag: '6.0.0', approvalToken: token } }));
  say('alice', '!superset approve-upgrade production');
  expect(await heard(/^alice: superset production: approve-upgrade/)).toBe(
    'alice: superset production: approve-upgrade 5.0.0 → 6.0.0 (Superset superset/superset, approval token prod-0b5…)',
  );
  const code = /!approve ([a-z]{6})/.exec(await heard(/^this needs/))![1]!;
  expect(await heard(/^this needs/)).toMatch(/^this needs 1 approval from someone in ops other than alice within 5m00s: !approve [a-z]{6}/);
  say('alice', `!confirm ${code}`); // the requester alone cannot start it
  expect(await heard(/^alice: /)).toMatch(/starts on approvals, not a confirm/);
  expect(api.getSuperset('superset', 'superset')!.metadata?.annotations).toBeUndefined();
  say('carol', `!approve ${code}`);
  expect(await heard(/^carol: approved the upgrade of superset production/)).toMatch(
    /^carol: approved the upgrade of superset production in \S+: 5\.0\.0 → 6\.0\.0: superset\.apache\.org\/approve-upgrade=prod-0b5… set on Superset superset\/superset/,
  );
  const annotations = JSON.parse(await kubectl('get', 'superset', 'superset', '-n', 'superset', '-o', 'jsonpath={.metadata.annotations}')) as Record<
    string,
    string
  >;
  expect(annotations).toEqual({ 'superset.apache.org/approve-upgrade': token });
  api.upsertSuperset(prodCr({}));
}, 30000);
