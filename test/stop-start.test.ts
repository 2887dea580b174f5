// stop and start through the whole bot (gateway + worker + the downtime monitor on the real Redis),
// against the fake Kubernetes API through its scale subresource. The fake API has no controller: the
// test removes and puts back the pods the way the ReplicaSets would.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { DeployStore } from '../src/deploy/store.js';
import { StoppedStore } from '../src/deploy/stopped.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { FakeClock } from '../src/maintenance/clock.js';
import { makeDeployment, sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { OPS_CHANNEL, REQUEST_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { REDIS_URL } from './support/redis.js';

const MIN = 60_000;
let h: Harness;
let api: FakeKubeApi;
let redis: Redis;
const clock = new FakeClock(Date.now());
const seed = sandboxCluster();
const podsOf = (ns: string): V1Pod[] => seed.pods.filter((p) => p.metadata!.namespace === ns);
const worker = (ns: string, release: string): V1Deployment =>
  makeDeployment({ namespace: ns, name: `superset-${release}-worker`, labels: { app: 'superset', release }, image: 'superset', replicas: 3 });

let client: KubeClient;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  api = await startFakeKubeApi({ seed: { ...seed, deployments: [...seed.deployments, worker('superset', 'production'), worker('superset-next', 'staging')] } });
  client = new KubeClient(kubeConfigForUrl(api.url, ['dse-k8s-eqiad']), { timeoutMs: 5000 });
  h = await startDeployHarness({
    kube: client,
    clock,
    monitor: true,
    config: {
      rateLimit: { perMinute: 0 },
      monitor: { enabled: true, downAfterSeconds: 60, upAfterSeconds: 60, pollSeconds: 1, leaseSeconds: 2, expected: 'announce' },
    },
    edit(c) {
      const s = c.services.superset!;
      s.permissions = { ...s.permissions, stop: ['superset-admins', 'ops'], start: ['superset-admins', 'ops'] };
      s.stop = { deployments: ['superset-{release}', 'superset-{release}-worker'] };
    },
  });
  for (let i = 0; i < 50 && !h.app.monitor?.isLeader; i++) await new Promise((r) => setTimeout(r, 100));
}, 30_000);
afterAll(async () => {
  await h?.stop();
  await api?.close();
  redis?.disconnect();
});
beforeEach(() => {
  h.tools.reset();
  h.chat.clear();
});

/** Time passes well past the monitor's thresholds. */
async function minutesPass(n: number): Promise<void> {
  for (let i = 0; i < n * 2; i++) {
    clock.advance(MIN / 2);
    await h.app.monitor!.tick();
    await new Promise((r) => setTimeout(r, 20));
  }
}
const downs = () => h.chat.sent.filter((s) => /^\[(DOWN|RECOVERED)\]/.test(s.line)).map((s) => s.line);

it('stop records the replicas and scales to 0, start puts them back; announced, and the monitor says nothing in between', async () => {
  clock.set(Date.now());
  h.chat.say('alice', '!superset stop staging');
  const done = await h.chat.waitFor(/^alice: stopped superset staging/);
  expect(done.line).toMatch(
    /^alice: stopped superset staging in \S+: superset-staging 2 → 0, superset-staging-worker 3 → 0 replicas; superset staging is down on purpose until !superset start staging \(full log: !job \d+\)$/,
  );
  expect(h.chat.lines(OPS_CHANNEL)).toEqual([
    expect.stringMatching(
      /^superset staging: stop started by alice \(job \d+\): superset-staging 2 → 0, superset-staging-worker 3 → 0 replicas in superset-next \(a downtime\)$/,
    ),
    expect.stringMatching(
      /^superset staging: stop by alice done in \S+: superset-staging 2 → 0, superset-staging-worker 3 → 0 replicas; superset staging is down on purpose until !superset start staging$/,
    ),
  ]);
  expect(await client.getScale('dse-k8s-eqiad', 'superset-next', 'superset-staging')).toEqual({ replicas: 0, current: 0 });
  expect(await client.getScale('dse-k8s-eqiad', 'superset-next', 'superset-staging-worker')).toEqual({ replicas: 0, current: 0 });
  expect((await new StoppedStore({ connection: redis, prefix: h.prefix }).get('superset', 'staging'))?.replicas).toEqual({
    'superset-staging': 2,
    'superset-staging-worker': 3,
  });
  expect(api.requestLog.filter((r) => r.startsWith('PATCH '))).toEqual([
    expect.stringMatching(/^PATCH \/apis\/apps\/v1\/namespaces\/superset-next\/deployments\/superset-staging\/scale/),
    expect.stringMatching(/^PATCH \/apis\/apps\/v1\/namespaces\/superset-next\/deployments\/superset-staging-worker\/scale/),
  ]);

  // the pods go; minutes pass; nothing is announced
  api.setPods('superset-next', []);
  await minutesPass(12);
  expect(downs()).toEqual([]);
  h.chat.say('bob', '!superset status staging');
  await h.chat.waitFor(/^ {2}stopped by alice 12m ago \(!superset start staging\)$/);

  // stopping again is refused; start brings back what was recorded
  h.chat.say('alice', '!superset stop staging');
  expect((await h.chat.waitFor(/^alice: superset staging is already/)).line).toBe(
    'alice: superset staging is already stopped (by alice 12m ago); to bring it back: !superset start staging',
  );
  h.chat.clear();
  h.chat.say('carol', '!superset start staging');
  const started = await h.chat.waitFor(/^carol: started superset staging/);
  expect(started.line).toMatch(
    /^carol: started superset staging in \S+: superset-staging 0 → 2, superset-staging-worker 0 → 3 replicas \(full log: !job \d+\)$/,
  );
  expect(h.chat.lines(OPS_CHANNEL)[0]).toMatch(
    /^superset staging: start started by carol \(job \d+\): superset-staging 0 → 2, superset-staging-worker 0 → 3 replicas in superset-next \(as before the stop by alice \d+m ago\)$/,
  );
  expect(h.chat.lines(OPS_CHANNEL)[1]).toMatch(
    /^superset staging: start by carol done in \S+: superset-staging 0 → 2, superset-staging-worker 0 → 3 replicas$/,
  );
  expect(await client.getScale('dse-k8s-eqiad', 'superset-next', 'superset-staging-worker')).toEqual({ replicas: 3, current: 3 });
  expect(await new StoppedStore({ connection: redis, prefix: h.prefix }).get('superset', 'staging')).toBeUndefined();
  api.setPods('superset-next', podsOf('superset-next'));
  await minutesPass(3);
  expect(downs()).toEqual([]);

  // start with nothing recorded is refused
  h.chat.say('carol', '!superset start staging');
  expect((await h.chat.waitFor(/^carol: superset staging was not/)).line).toBe(
    'carol: superset staging was not stopped with stop: nothing recorded to start again (a deploy sets the replicas from git)',
  );
});

it('the monitor still speaks for an outage nobody asked for', async () => {
  api.setPods('superset', []);
  await minutesPass(3);
  expect(downs()).toEqual([expect.stringMatching(/^\[DOWN\] superset production: /), expect.stringMatching(/^\[DOWN\] superset production: /)]);
  api.setPods('superset', podsOf('superset'));
  await minutesPass(3);
});

it('production: stop asks for a confirmation showing what it scales; the lock is respected', async () => {
  h.chat.say('alice', '!superset stop production');
  const ask = await h.chat.waitFor(/^to go ahead, say within 5m00s: !confirm ([a-z]{6})/);
  expect(h.chat.lines(REQUEST_CHANNEL)[0]).toBe(
    'alice: superset production: stop superset-production 4 → 0, superset-production-worker 3 → 0 replicas in superset (a downtime)',
  );
  expect(api.requestLog.filter((r) => r.startsWith('PATCH ') && r.includes('/superset/'))).toEqual([]);
  const code = /!confirm ([a-z]{6})/.exec(ask.line)![1]!;

  // a deploy holds the lock: the confirmed stop waits its turn (refused, the confirmation is used)
  h.tools.control({ applySleep: 2 });
  const store = new DeployStore({ connection: redis, prefix: h.prefix });
  h.chat.say('carol', '!superset deploy staging');
  await h.chat.waitFor(/^superset staging: deploy started by carol/);
  h.chat.say('bob', '!superset stop staging');
  expect((await h.chat.waitFor(/^bob: /)).line).toBe('bob: stop superset staging needs one of superset-admins, ops (you: nda, wmf)');
  h.chat.say('alice', '!superset stop staging');
  expect((await h.chat.waitFor(/^alice: superset staging is busy/)).line).toMatch(/^alice: superset staging is busy: deploy by carol \(job \d+\)/);
  expect((await store.holder('superset', 'staging'))?.verb).toBe('deploy');
  await h.chat.waitFor(/^carol: deployed superset staging/);

  h.chat.say('mallory', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^mallory: /)).line).toMatch(/^mallory: only alice or someone allowed to stop superset production may confirm this/);
  h.chat.say('carol', `!confirm ${code}`);
  await h.chat.waitFor(/^carol: stopped superset production/);
  expect(await client.getScale('dse-k8s-eqiad', 'superset', 'superset-production')).toEqual({ replicas: 0, current: 0 });
  expect(h.chat.lines(OPS_CHANNEL)).toContainEqual(expect.stringMatching(/^superset production: stop started by alice, confirmed by carol/));

  h.chat.say('mallory', '!superset start production');
  expect((await h.chat.waitFor(/^mallory: /, 15000, h.chat.sent.length)).line).toBe(
    'mallory: start superset production needs one of superset-admins, ops (you: no groups)',
  );
  h.chat.say('alice', '!superset start production');
  const ask2 = await h.chat.waitFor(/^to go ahead, say within 5m00s: !confirm ([a-z]{6})/, 15000, h.chat.sent.length);
  h.chat.say('alice', `!confirm ${/!confirm ([a-z]{6})/.exec(ask2.line)![1]}`);
  await h.chat.waitFor(/^alice: started superset production/);
  expect(await client.getScale('dse-k8s-eqiad', 'superset', 'superset-production')).toEqual({ replicas: 4, current: 4 });
});
