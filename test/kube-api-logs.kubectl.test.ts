// Pod logs and event field selectors of the fake Kubernetes API, checked with the real kubectl
// (/usr/bin/kubectl) and with Deckhand's own client.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeClient, kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { PodLogUnavailableError } from '../src/kube/errors.js';
import { makePod, sandboxCluster, SUPERSET_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';

const execFileP = promisify(execFile);
let api: FakeKubeApi;
let kube: KubeClient;
let dir: string;
let kubeconfig: string;
let crash: V1Pod; // superset-next, CrashLoopBackOff, two containers, default-container annotation
let healthy: V1Pod; // superset, running, never restarted

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function kubectl(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileP('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  const seed = sandboxCluster();
  api = await startFakeKubeApi({ seed });
  kube = new KubeClient(kubeConfigForUrl(api.url), { timeoutMs: 3000 });
  dir = await mkdtemp(join(tmpdir(), 'deckhand-kubectl-logs-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeConfigYaml(kubeConfigForUrl(api.url)));
  crash = seed.pods.find((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff')!;
  healthy = seed.pods.find((p) => p.metadata?.namespace === 'superset')!;
});

afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const since = (n: number) => api.requestLog.slice(n).filter((l) => !/^GET \/(version|api|apis)\?/.test(l));

describe('kubectl logs', () => {
  test('takes the default container from the annotation and prints the log as the server sent it', async () => {
    const name = healthy.metadata!.name!;
    api.logs.set('superset', name, 'superset-production', ['line one', 'line two ünïcode', 'line three']);
    const n = api.requestLog.length;
    const r = await kubectl('logs', name, '-n', 'superset');
    expect(r).toEqual({ code: 0, stdout: 'line one\nline two ünïcode\nline three\n', stderr: '' });
    expect(since(n)).toEqual([
      `GET /api/v1/namespaces/superset/pods/${name}`,
      `GET /api/v1/namespaces/superset/pods/${name}/log?container=superset-production`,
    ]);
  });

  test('--tail, --limit-bytes, --timestamps, -c', async () => {
    const name = healthy.metadata!.name!;
    expect((await kubectl('logs', name, '-n', 'superset', '--tail', '2')).stdout).toBe('line two ünïcode\nline three\n');
    expect((await kubectl('logs', name, '-n', 'superset', '--limit-bytes', '6')).stdout).toBe('line o');
    const ts = (await kubectl('logs', name, '-n', 'superset', '--tail', '1', '--timestamps')).stdout;
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line three\n$/);
    const proxy = await kubectl('logs', name, '-n', 'superset', '-c', 'superset-production-tls-proxy');
    expect(proxy.stdout).toContain('starting main dispatch loop');
  });

  test('a crash-looping pod: its last run, and the run before with --previous', async () => {
    const name = crash.metadata!.name!;
    const r = await kubectl('logs', name, '-n', 'superset-next');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[ERROR] Reason: Worker failed to boot.');
    const n = api.requestLog.length;
    const prev = await kubectl('logs', '--previous', name, '-n', 'superset-next', '--tail', '1');
    expect(prev.stdout).toMatch(/\[ERROR\] Reason: Worker failed to boot\.\n$/);
    expect(since(n).at(-1)).toBe(`GET /api/v1/namespaces/superset-next/pods/${name}/log?container=superset-staging&previous=true&tailLines=1`);
  });

  test("errors are Status JSON that kubectl prints as the real server's", async () => {
    const name = healthy.metadata!.name!;
    const prev = await kubectl('logs', '--previous', name, '-n', 'superset');
    expect(prev.code).toBe(1);
    expect(prev.stderr.trim()).toBe(`Error from server (BadRequest): previous terminated container "superset-production" in pod "${name}" not found`);
    const bad = await kubectl('logs', name, '-n', 'superset', '-c', 'nope');
    expect(bad.stderr.trim()).toBe(`error: container nope is not valid for pod ${name}`); // kubectl checks this itself…
    const direct = await fetch(`${api.url}/api/v1/namespaces/superset/pods/${name}/log?container=nope`);
    expect(direct.status).toBe(400); // …and so does the server
    expect(await direct.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: `container nope is not valid for pod ${name}` });
    const missing = await kubectl('logs', 'nope', '-n', 'superset');
    expect(missing.stderr.trim()).toBe('error: error from server (NotFound): pods "nope" not found in namespace "superset"');

    const creating = makePod({
      namespace: 'superset',
      labels: { app: 'superset' },
      image: SUPERSET_IMAGE,
      deployment: 'superset-production',
      waiting: 'ContainerCreating',
      seed: 'creating',
    });
    api.upsertPod(creating);
    const waiting = await kubectl('logs', creating.metadata!.name!, '-n', 'superset');
    expect(waiting.stderr.trim()).toBe(
      `Error from server (BadRequest): container "superset-production" in pod "${creating.metadata!.name}" is waiting to start: ContainerCreating`,
    );
    api.deletePod('superset', creating.metadata!.name!);
  });

  test("several containers and no container asked for: the server's 400 (kubectl itself picks the first and says so)", async () => {
    const pod = makePod({
      namespace: 'superset',
      labels: { app: 'superset' },
      image: SUPERSET_IMAGE,
      deployment: 'superset-production',
      containers: ['superset-production', 'statsd-exporter'],
      seed: 'two',
    });
    delete pod.metadata!.annotations;
    api.upsertPod(pod);
    const name = pod.metadata!.name!;
    const res = await fetch(`${api.url}/api/v1/namespaces/superset/pods/${name}/log`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `a container name must be specified for pod ${name}, choose one of: [superset-production statsd-exporter]`,
      reason: 'BadRequest',
      code: 400,
    });
    const r = await kubectl('logs', name, '-n', 'superset');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Defaulted container "superset-production" out of: superset-production, statsd-exporter');
    api.deletePod('superset', name);
  });
});

describe('events with field selectors', () => {
  test('kubectl get events --field-selector type=Warning,involvedObject.kind=Pod', async () => {
    const n = api.requestLog.length;
    const r = await kubectl(
      'get',
      'events',
      '-n',
      'superset-next',
      '--field-selector',
      `type=Warning,involvedObject.kind=Pod,involvedObject.name=${crash.metadata!.name}`,
      '-o',
      'json',
    );
    expect(r.code).toBe(0);
    const items = (JSON.parse(r.stdout) as { items: { reason: string; type: string; count: number }[] }).items;
    expect(items.map((e) => [e.reason, e.type, e.count])).toEqual([['BackOff', 'Warning', 412]]);
    expect(decodeURIComponent(since(n)[0]!)).toBe(
      `GET /api/v1/namespaces/superset-next/events?fieldSelector=type=Warning,involvedObject.kind=Pod,involvedObject.name=${crash.metadata!.name}&limit=500`,
    );
    const normal = await kubectl('get', 'events', '-n', 'superset-next', '--field-selector', 'type!=Warning,reason=Pulled', '-o', 'name');
    expect(normal.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('a field the server does not support for events is its 400', async () => {
    const r = await kubectl('get', 'events', '-n', 'superset-next', '--field-selector', 'spec.nodeName=x');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('field label not supported: spec.nodeName');
  });

  test("kubectl describe pod shows the pod's events (it asks by involvedObject name, namespace and uid)", async () => {
    const name = crash.metadata!.name!;
    const n = api.requestLog.length;
    const r = await kubectl('describe', 'pod', name, '-n', 'superset-next');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n/m);
    expect(r.stdout).toMatch(/ {2}Warning\s+BackOff\s+\d+s \(x412 over 60m\)\s+kubelet\s+Back-off restarting failed container superset-staging in pod /);
    expect(r.stdout).toMatch(/Controlled By:\s+ReplicaSet\/superset-staging-/);
    // kubectl builds the selector from a Go map: the order of its terms varies from run to run
    const asked = since(n)
      .map((l) => new URL(l.slice(4), 'http://x'))
      .find((u) => u.pathname === '/api/v1/namespaces/superset-next/events')!;
    expect(asked.searchParams.get('fieldSelector')!.split(',').sort()).toEqual([
      `involvedObject.name=${name}`,
      'involvedObject.namespace=superset-next',
      `involvedObject.uid=${crash.metadata!.uid}`,
    ]);
    expect(asked.searchParams.get('limit')).toBe('500');
  });
});

describe("Deckhand's client", () => {
  test("podLog: the tail as text; a 400 is a PodLogUnavailableError with the server's words", async () => {
    const name = healthy.metadata!.name!;
    expect(await kube.podLog(undefined, 'superset', name, { container: 'superset-production', tailLines: 1 })).toBe('line three\n');
    const err = await kube.podLog(undefined, 'superset', name, { container: 'superset-production', previous: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PodLogUnavailableError);
    expect((err as Error).message).toBe(`no log for ${name}: previous terminated container "superset-production" in pod "${name}" not found`);
  });

  test('listEvents: Warning events only, timestamps as Dates', async () => {
    const events = await kube.listEvents(undefined, 'superset-next', { type: 'Warning', kind: 'Pod' });
    expect(events.map((e) => e.reason)).toEqual(['BackOff']);
    expect(events[0]!.lastTimestamp).toBeInstanceOf(Date);
    expect((await kube.listEvents(undefined, 'superset-next')).map((e) => e.reason).sort()).toEqual(['BackOff', 'Pulled']);
  });
});

describe('aggregated discovery answers the version each kubectl asks for', () => {
  const ask = async (path: string, accept: string) => {
    const res = await fetch(api.url + path, { headers: { accept } });
    return {
      type: res.headers.get('content-type'),
      body: (await res.json()) as { kind: string; apiVersion?: string; items?: { versions: { resources: { resource: string }[] }[] }[] },
    };
  };
  const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
  const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

  test('kubectl 1.27–1.29 (v2beta1 only) get v2beta1, with the resources', async () => {
    for (const path of ['/api', '/apis']) {
      const r = await ask(path, `${V2BETA1},application/json`);
      expect(r.type).toBe(V2BETA1);
      expect(r.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2beta1' });
      expect(r.body.items![0]!.versions[0]!.resources.length).toBeGreaterThan(0);
    }
  });

  test('kubectl 1.30+ (v2 first, then v2beta1) get v2; older clients the legacy documents', async () => {
    const r = await ask('/api', `${V2},${V2BETA1},application/json`);
    expect(r.type).toBe(V2);
    expect(r.body.apiVersion).toBe('apidiscovery.k8s.io/v2');
    expect((await ask('/apis', 'application/json, */*')).body.kind).toBe('APIGroupList');
  });
});

describe('kubectl get events prints the server-side table', () => {
  test('LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; -o wide adds the rest', async () => {
    const r = await kubectl('get', 'events', '-n', 'superset-next', '--field-selector', 'type=Warning');
    expect(r.code).toBe(0);
    const [header, row, ...rest] = r.stdout.trim().split('\n');
    expect(header).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(row).toMatch(
      new RegExp(`^\\d+s\\s+Warning\\s+BackOff\\s+pod/${crash.metadata!.name}\\s+Back-off restarting failed container superset-staging in pod `),
    );
    expect(rest).toEqual([]);
    const wide = await kubectl('get', 'events', '-n', 'superset-next', '--field-selector', 'reason=BackOff', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/);
    expect(wide.stdout).toMatch(/spec\.containers\{superset-staging\}\s+kubelet, dse-k8s-worker\S+\s+Back-off .*\s+60m\s+412\s+superset-staging-\S+$/m);
  });
});
