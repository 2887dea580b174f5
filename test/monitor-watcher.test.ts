// EnvWatcher against the fake Kubernetes API: a watch that cannot start falls back to polling (still
// seeing changes), and returns to the watch once it works again.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { observe } from '../src/monitor/health.js';
import { EnvWatcher } from '../src/monitor/watcher.js';
import { makeDeployment, makePod, SUPERSET_NEXT_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { eventually } from './support/announce-stack.js';

const labels = { app: 'superset', release: 'staging' };
const pods = (crash: boolean) =>
  [0, 1].map((i) =>
    makePod({
      namespace: 'superset-next',
      labels,
      image: SUPERSET_NEXT_IMAGE,
      deployment: 'superset-staging',
      seed: i,
      ...(crash && i === 1 ? { waiting: 'CrashLoopBackOff' as const } : {}),
    }),
  );
const target = { service: 'superset', environment: 'staging', namespace: 'superset-next', selector: 'app=superset' };

let api: FakeKubeApi;
let kube: KubeClient;

beforeAll(async () => {
  api = await startFakeKubeApi({
    host: '127.0.0.1',
    port: 0,
    seed: {
      pods: pods(false),
      deployments: [makeDeployment({ namespace: 'superset-next', name: 'superset-staging', labels, image: SUPERSET_NEXT_IMAGE, replicas: 2 })],
      events: [],
    },
  });
  kube = new KubeClient(kubeConfigForUrl(api.url), { timeoutMs: 2000 });
});
afterAll(async () => {
  await api?.close();
});

it('polls while the watch is refused, sees changes meanwhile, and goes back to watching', async () => {
  api.failNext(/watch=(true|1)/, 403, 'Forbidden', 'pods is forbidden: User "deckhand" cannot watch resource "pods"', 3);
  let changes = 0;
  const w = new EnvWatcher(kube, target, { resyncMs: 60_000, pollMs: 150, log: pino({ level: 'silent' }), onChange: () => changes++ });
  const health = () => {
    const s = w.snapshot();
    return observe(target, s.pods, s.deployments, Date.now());
  };
  try {
    await w.start();
    await eventually(() => w.synced && health().healthy, 3000, 'a first list');
    expect(w.mode).toBe('poll');
    api.setPods('superset-next', pods(true));
    await eventually(() => !health().healthy, 3000, 'the crash seen by polling');
    expect(health().detail).toMatch(/^CrashLoopBackOff: superset-staging-/);
    await eventually(() => w.mode === 'watch', 5000, 'the watch back');
    const before = changes;
    api.setPods('superset-next', pods(false));
    await eventually(() => health().healthy, 1000, 'the recovery seen by the watch');
    expect(changes).toBeGreaterThan(before);
  } finally {
    w.stop();
  }
});
