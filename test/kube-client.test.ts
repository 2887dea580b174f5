// KubeClient (client-node 2.x) against the fake API server: lists, watch, and failures mapped to typed errors.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { ClusterUnavailableError } from '../src/core/errors.js';
import { KubeClient, kubeConfigForUrl, type PodEventType } from '../src/kube/client.js';
import { KubeBadRequestError, KubeConfigProblemError, KubeContextError, KubeForbiddenError, KubeNotFoundError } from '../src/kube/errors.js';
import { makePod, manyPods, sandboxCluster, SUPERSET_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';

let api: FakeKubeApi;
let kube: KubeClient;
const stops: (() => void)[] = [];

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  kube = new KubeClient(kubeConfigForUrl(api.url, ['sandbox', 'dse-k8s-eqiad']), { timeoutMs: 2000, watchTimeoutSeconds: 1 });
});
afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
});
afterAll(async () => {
  await api.close();
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on (not port 1: fetch refuses "bad ports" before connecting). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
}

const labels = { app: 'superset', release: 'production', routed_via: 'production' };
const newPod = (name: string, o: Partial<Parameters<typeof makePod>[0]> = {}): V1Pod =>
  makePod({ namespace: 'superset', name, labels, image: SUPERSET_IMAGE, ageSeconds: 10, ...o });

describe('lists', () => {
  test('pods by selector, deserialized to models with Dates', async () => {
    const pods = await kube.listPods(undefined, 'superset-next', 'app=superset');
    expect(pods).toHaveLength(2);
    const crashing = pods.find((p) => p.status?.containerStatuses?.[0]?.state?.waiting);
    expect(crashing?.status?.containerStatuses?.[0]).toMatchObject({
      restartCount: 17,
      ready: false,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    });
    expect(crashing?.metadata?.creationTimestamp).toBeInstanceOf(Date);
  });

  test.each([
    ['app=superset', 4],
    ['app in (superset,airflow)', 4],
    ['release=staging', 0],
    ['app=superset,release=production', 4],
    ['', 4],
  ])('pods in superset with %j', async (selector, count) => {
    expect(await kube.listPods(undefined, 'superset', selector)).toHaveLength(count);
  });

  test('airflow and paws', async () => {
    const airflow = await kube.listPods(undefined, 'airflow-search', 'app=airflow');
    expect(airflow.map((p) => p.metadata?.labels?.component).sort()).toEqual(['kerberos', 'scheduler', 'webserver']);
    expect(await kube.listPods(undefined, 'prod', 'component=hub')).toHaveLength(1);
  });

  test('deployments by selector', async () => {
    const deps = await kube.listDeployments(undefined, 'superset-next', 'app=superset');
    expect(deps).toHaveLength(1);
    expect(deps[0]?.status).toMatchObject({ replicas: 2, readyReplicas: 1, unavailableReplicas: 1 });
    expect(await kube.listDeployments(undefined, 'airflow-search', 'component=scheduler')).toHaveLength(1);
  });

  test('a named context is used; an unknown one is a KubeContextError', async () => {
    expect(await kube.listPods('dse-k8s-eqiad', 'superset', 'app=superset')).toHaveLength(4);
    const err = await rejection(kube.listPods('codfw', 'superset', 'app=superset'));
    expect(err).toBeInstanceOf(KubeContextError);
    expect(err.message).toBe('no Kubernetes context "codfw" in the kubeconfig');
  });

  test('5,000 pods list in well under a second', async () => {
    api.setPods('bench', manyPods(5000, 'bench', { app: 'bench' }));
    const t = performance.now();
    const pods = await kube.listPods(undefined, 'bench', 'app=bench');
    const ms = performance.now() - t;
    expect(pods).toHaveLength(5000);
    expect(new Set(pods.map((p) => p.metadata?.name)).size).toBe(5000);
    expect(pods.filter((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff')).toHaveLength(5);
    expect(ms).toBeLessThan(3000);
    api.setPods('bench', []);
  });
});

describe('errors', () => {
  test('403 → KubeForbiddenError naming the namespace and context', async () => {
    api.failNext('/api/v1/namespaces/superset-next/pods', 403);
    const err = await rejection(kube.listPods('dse-k8s-eqiad', 'superset-next', 'app=superset'));
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect(err.message).toBe('Deckhand may not list pods in superset-next on dse-k8s-eqiad (403 Forbidden)');
    expect((err as KubeForbiddenError).detail).toContain('cannot list resource "pods" in API group "" in the namespace "superset-next"');
  });

  test('401 → KubeForbiddenError about credentials', async () => {
    api.failNext(/\/deployments$/, 401);
    const err = await rejection(kube.listDeployments(undefined, 'superset', 'app=superset'));
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect(err.message).toBe("the Kubernetes API for superset rejected Deckhand's credentials (401 Unauthorized)");
  });

  test('404 → KubeNotFoundError', async () => {
    const err = await rejection(kube.getPod(undefined, 'superset', 'nope'));
    expect(err).toBeInstanceOf(KubeNotFoundError);
    expect(err.message).toBe('pods "nope" not found (superset)');
    api.failNext('/api/v1/namespaces/superset/pods', 404);
    expect(await rejection(kube.listPods(undefined, 'superset', 'app=superset'))).toBeInstanceOf(KubeNotFoundError);
  });

  test("a malformed selector → KubeBadRequestError with the server's reason", async () => {
    const err = await rejection(kube.listPods(undefined, 'superset', 'app in superset'));
    expect(err).toBeInstanceOf(KubeBadRequestError);
    expect(err.message).toBe("the Kubernetes API refused to list pods in superset: unable to parse requirement: found 'superset', expected: '('");
  });

  test('500 / 503 → ClusterUnavailableError', async () => {
    api.failNext(/\/pods$/, 503);
    const err = await rejection(kube.listPods(undefined, 'superset', 'app=superset'));
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect(err.message).toBe('the Kubernetes API for superset answered 503 ServiceUnavailable');
  });

  test('a plain http:// server without insecure-skip-tls-verify (kubectl proxy) → one line saying so, not an internal error', async () => {
    const kc = kubeConfigForUrl(api.url);
    kc.clusters[0] = { ...kc.clusters[0]!, skipTLSVerify: false };
    const err = await rejection(new KubeClient(kc, { timeoutMs: 2000 }).listPods(undefined, 'superset', 'app=superset'));
    expect(err).toBeInstanceOf(KubeConfigProblemError);
    expect(err.message).toBe(
      "the kubeconfig's cluster for superset is plain http://, which the Kubernetes client only talks to with insecure-skip-tls-verify: true on that cluster (as for kubectl proxy)",
    );
  });

  test('connection refused (a closed port) → ClusterUnavailableError, quickly', async () => {
    const port = await closedPort();
    const dead = new KubeClient(kubeConfigForUrl(`http://127.0.0.1:${port}`, ['dse-k8s-eqiad']), { timeoutMs: 5000 });
    const t = performance.now();
    const err = await rejection(dead.listPods('dse-k8s-eqiad', 'superset-next', 'app=superset'));
    expect(performance.now() - t).toBeLessThan(1000);
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect(err.message).toBe('cannot reach the Kubernetes API for superset-next on dse-k8s-eqiad (connection refused)');
  });

  test('a hung server (no answer at all) → timeout within timeoutMs', async () => {
    const slow = new KubeClient(kubeConfigForUrl(api.url), { timeoutMs: 400 });
    api.hangNext('/api/v1/namespaces/superset/pods');
    const t = performance.now();
    const err = await rejection(slow.listPods(undefined, 'superset', 'app=superset'));
    const ms = performance.now() - t;
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect(err.message).toBe('cannot reach the Kubernetes API for superset (timed out after 0.4s)');
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(1500);
  });

  test('a server that sends headers then stalls mid-body also times out', async () => {
    const stalled: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[');
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const { port } = stalled.address() as AddressInfo;
    const slow = new KubeClient(kubeConfigForUrl(`http://127.0.0.1:${port}`), { timeoutMs: 400 });
    const t = performance.now();
    const err = await rejection(slow.listPods(undefined, 'superset', 'app=superset'));
    expect(performance.now() - t).toBeLessThan(1500);
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect(err.message).toContain('timed out after 0.4s');
    stalled.closeAllConnections();
    await new Promise((r) => stalled.close(r));
  });
});

describe('watchPods', () => {
  type Seen = [PodEventType, string, V1Pod];
  async function watch(namespace = 'superset', selector = 'app=superset'): Promise<{ seen: Seen[]; errors: Error[]; stop: () => void }> {
    const seen: Seen[] = [];
    const errors: Error[] = [];
    const stop = await kube.watchPods(
      undefined,
      namespace,
      selector,
      (type, pod) => seen.push([type, pod.metadata!.name!, pod]),
      (err) => errors.push(err),
    );
    stops.push(stop);
    return { seen, errors, stop };
  }

  test('current pods arrive as ADDED, then additions, changes and deletions', async () => {
    const { seen, errors } = await watch();
    expect(seen.map(([t]) => t)).toEqual(['ADDED', 'ADDED', 'ADDED', 'ADDED']);
    const name = 'superset-production-ljwxrw6gcw-w4tch';
    api.upsertPod(newPod(name, { waiting: 'ContainerCreating' }));
    await until(() => seen.length === 5, 'ADDED');
    api.upsertPod(newPod(name, { waiting: 'CrashLoopBackOff' }));
    await until(() => seen.length === 6, 'MODIFIED');
    api.deletePod('superset', name);
    await until(() => seen.length === 7, 'DELETED');
    expect(seen.slice(4).map(([t, n]) => [t, n])).toEqual([
      ['ADDED', name],
      ['MODIFIED', name],
      ['DELETED', name],
    ]);
    // Watch objects are models like list items: Dates, not strings.
    expect(seen[5]![2].metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(seen[5]![2].status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(errors).toEqual([]);
  });

  test('a pod whose labels stop matching the selector is DELETED for this watch; other namespaces are not seen', async () => {
    const { seen } = await watch();
    const name = 'superset-production-ljwxrw6gcw-r3lbl';
    api.upsertPod(newPod(name));
    await until(() => seen.length === 5, 'ADDED');
    api.upsertPod(newPod(name, { labels: { app: 'something-else' } }));
    await until(() => seen.length === 6, 'DELETED');
    expect(seen[5]!.slice(0, 2)).toEqual(['DELETED', name]);
    api.upsertPod(makePod({ namespace: 'superset-next', labels, image: SUPERSET_IMAGE, seed: 'other-ns' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(6);
    api.deletePod('superset', name);
  });

  test('the server ending the watch (timeoutSeconds) is resumed from the last resourceVersion without re-listing', async () => {
    const { seen, errors } = await watch();
    const before = api.requestLog.length;
    await new Promise((r) => setTimeout(r, 1500)); // past watchTimeoutSeconds: 1
    const name = 'superset-production-ljwxrw6gcw-r3sum';
    api.upsertPod(newPod(name));
    await until(() => seen.some(([t, n]) => t === 'ADDED' && n === name), 'an event after the resume');
    const later = api.requestLog.slice(before);
    expect(later.some((l) => /watch=true/.test(l) && /resourceVersion=\d+/.test(l) && /allowWatchBookmarks=true/.test(l) && /timeoutSeconds=1/.test(l))).toBe(
      true,
    );
    expect(later.some((l) => /\/pods\?labelSelector=[^&]*$/.test(l))).toBe(false); // no new list
    expect(errors).toEqual([]);
    api.deletePod('superset', name);
  });

  test('410 Expired re-lists and carries on', async () => {
    const { seen, errors } = await watch();
    const before = api.requestLog.length;
    api.expireWatches();
    await until(() => api.requestLog.slice(before).some((l) => /\/pods\?labelSelector=app%3Dsuperset$/.test(l)) && api.watchers > 0, 'a new list and watch');
    const name = 'superset-production-ljwxrw6gcw-3xp1r';
    api.upsertPod(newPod(name));
    await until(() => seen.some(([t, n]) => t === 'ADDED' && n === name), 'an event after the re-list');
    expect(errors).toEqual([]);
    api.deletePod('superset', name);
  });

  test('a 403 on the first list or on the watch request rejects the start with a typed error', async () => {
    api.failNext('/api/v1/namespaces/superset/pods', 403);
    expect(await rejection(watch())).toBeInstanceOf(KubeForbiddenError);
    api.failNext(/pods\?.*watch=true/, 403);
    const err = await rejection(watch());
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect(err.message).toBe('Deckhand may not watch pods in superset (403 Forbidden)');
  });

  test('a failure after the start goes to onError once, typed, and the watch stops', async () => {
    const { errors } = await watch();
    api.failNext('/api/v1/namespaces/superset/pods', 403);
    api.expireWatches(); // the re-list now gets 403
    await until(() => errors.length > 0, 'onError');
    await new Promise((r) => setTimeout(r, 100));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(KubeForbiddenError);
    expect(errors[0]!.message).toBe('Deckhand may not watch pods in superset (403 Forbidden)');
  });

  test('stop ends the stream and no more events or errors arrive', async () => {
    const { seen, errors, stop } = await watch();
    await until(() => api.watchers > 0, 'the watch');
    stop();
    await until(() => api.watchers === 0, 'the server to see the watch end');
    const n = seen.length;
    api.upsertPod(newPod('superset-production-ljwxrw6gcw-st0pd'));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(n);
    expect(errors).toEqual([]);
    api.deletePod('superset', 'superset-production-ljwxrw6gcw-st0pd');
  });

  test('connection refused at the start rejects with ClusterUnavailableError', async () => {
    const dead = new KubeClient(kubeConfigForUrl(`http://127.0.0.1:${await closedPort()}`), { timeoutMs: 1000 });
    const err = await rejection(
      dead.watchPods(
        undefined,
        'superset',
        'app=superset',
        () => {},
        () => {},
      ),
    );
    expect(err).toBeInstanceOf(ClusterUnavailableError);
    expect(err.message).toBe('cannot reach the Kubernetes API for superset (connection refused)');
  });
});

describe('startSandbox', () => {
  test('answers every context of the config, and seeds pods for environments the fixtures lack', async () => {
    const { configSchema } = await import('../src/config/schema.js');
    const { startSandbox } = await import('../src/sandbox/start.js');
    const config = configSchema.parse({
      services: {
        superset: {
          environments: {
            production: { context: 'dse-k8s-eqiad', namespace: 'superset', selector: 'app=superset' },
            staging: { context: 'dse-k8s-eqiad', namespace: 'superset-next', selector: 'app=superset' },
          },
        },
        wiki: { environments: { production: { context: 'dse-k8s-codfw', namespace: 'wiki', selector: 'app=wiki,release in (main)' } } },
      },
    });
    const sandbox = await startSandbox(config);
    try {
      expect(await sandbox.kube.listPods('dse-k8s-eqiad', 'superset', 'app=superset')).toHaveLength(4);
      expect(await sandbox.kube.listPods('dse-k8s-eqiad', 'superset-next', 'app=superset')).toHaveLength(2);
      const wiki = await sandbox.kube.listPods('dse-k8s-codfw', 'wiki', 'app=wiki,release in (main)');
      expect(wiki).toHaveLength(2);
      expect(await sandbox.kube.listDeployments('dse-k8s-codfw', 'wiki', 'app=wiki')).toHaveLength(1);
    } finally {
      await sandbox.close();
    }
  });
});
