// The fake Kubernetes API checked against the real kubectl client (/usr/bin/kubectl).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { makePod, sandboxCluster, SUPERSET_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';

const execFileP = promisify(execFile);
let api: FakeKubeApi;
let dir: string;
let kubeconfig: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function kubectl(...args: string[]): Promise<Run> {
  const argv = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args];
  try {
    const { stdout, stderr } = await execFileP('kubectl', argv, { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function json<T = { kind: string; items: V1Pod[] }>(r: Run): T {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  dir = await mkdtemp(join(tmpdir(), 'deckhand-kubectl-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeConfigYaml(kubeConfigForUrl(api.url)));
});

afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl against the fake API server', () => {
  test('discovery: kubectl reads /version, then aggregated discovery on /api and /apis', async () => {
    const r = await kubectl('version', '-o', 'json');
    const v = json<{ serverVersion: { gitVersion: string } }>(r);
    expect(v.serverVersion.gitVersion).toBe('v1.31.9-deckhand-sandbox');
    json(await kubectl('get', 'pods', '-n', 'superset', '-o', 'json'));
    expect(api.requestLog).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/api\?timeout=/), expect.stringMatching(/^GET \/apis\?timeout=/)]));
    // Aggregated discovery answers everything: no per-group-version documents are fetched.
    expect(api.requestLog.some((l) => l.startsWith('GET /api/v1?') || l.startsWith('GET /apis/apps/v1?'))).toBe(false);
  });

  test('the legacy discovery documents are there for older clients', async () => {
    const get = async (path: string) => (await fetch(api.url + path)).json() as Promise<Record<string, unknown>>;
    expect(await get('/api')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(await get('/apis')).toMatchObject({ kind: 'APIGroupList', groups: expect.arrayContaining([expect.objectContaining({ name: 'apps' })]) });
    expect(await get('/api/v1')).toMatchObject({
      kind: 'APIResourceList',
      resources: expect.arrayContaining([expect.objectContaining({ name: 'pods', kind: 'Pod', namespaced: true })]),
    });
    expect(await get('/apis/apps/v1')).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'apps/v1',
      resources: expect.arrayContaining([
        expect.objectContaining({ name: 'deployments' }),
        expect.objectContaining({ name: 'replicasets', kind: 'ReplicaSet', shortNames: ['rs'] }),
        expect.objectContaining({ name: 'deployments/scale', kind: 'Scale', group: 'autoscaling' }),
      ]),
    });
  });

  test('get pods -l app=superset -o json: four pods that decode as real pods', async () => {
    const list = json(await kubectl('get', 'pods', '-n', 'superset', '-l', 'app=superset', '-o', 'json'));
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(4);
    for (const pod of list.items) {
      expect(pod.kind).toBe('Pod');
      expect(pod.metadata?.labels).toMatchObject({ app: 'superset', release: 'production' });
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
      expect(pod.spec?.containers[0]?.image).toBe(SUPERSET_IMAGE);
      expect(pod.status?.containerStatuses?.every((s) => s.ready)).toBe(true);
      expect(pod.metadata?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  test.each([
    ['app in (superset)', 4],
    ['app notin (superset)', 0],
    ['app,release!=staging', 4],
    ['!app', 0],
  ])('get pods -l %j', async (selector, count) => {
    const r = await kubectl('get', 'pods', '-n', 'superset', '-l', selector, '-o', 'name');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(count);
  });

  test('a malformed selector is a 400 from the server', async () => {
    const r = await kubectl('get', 'pods', '-n', 'superset', '-l', 'app in superset');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (BadRequest)');
    expect(r.stderr).toContain("unable to parse requirement: found 'superset', expected: '('");
  });

  test("a missing pod: kubectl's usual NotFound", async () => {
    const r = await kubectl('get', 'pod', 'nope', '-n', 'superset');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
    const ns = await kubectl('get', 'pod', 'nope', '-n', 'nonesuch');
    expect(ns.stderr.trim()).toBe('Error from server (NotFound): namespaces "nonesuch" not found');
  });

  test('an injected 403 reads as Forbidden', async () => {
    api.failNext('/api/v1/namespaces/superset/pods', 403);
    const r = await kubectl('get', 'pods', '-n', 'superset');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:deckhand:deckhand" cannot list resource "pods" in API group "" in the namespace "superset"',
    );
    expect((await kubectl('get', 'pods', '-n', 'superset', '-o', 'name')).code).toBe(0); // only the next one
  });

  test('an injected 500 reads as InternalError', async () => {
    api.failNext(/\/pods$/, 500);
    const r = await kubectl('get', 'pods', '-n', 'superset', '--request-timeout=5s');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (InternalError)');
  });

  test('get deployments -o json', async () => {
    const list = json<{ items: { kind: string; metadata: { name: string }; status: { readyReplicas: number; replicas: number } }[] }>(
      await kubectl('get', 'deployments', '-n', 'superset', '-o', 'json'),
    );
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ kind: 'Deployment', metadata: { name: 'superset-production' }, status: { readyReplicas: 4, replicas: 4 } });
  });

  test('the human table shows what unhealthy looks like (server-side printing)', async () => {
    const r = await kubectl('get', 'pods', '-n', 'superset-next');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.some((l) => /superset-staging-\S+\s+1\/2\s+CrashLoopBackOff\s+17 \(\d+s ago\)\s+6d/.test(l))).toBe(true);
    expect(lines.some((l) => /superset-staging-\S+\s+2\/2\s+Running\s+0\s+6d/.test(l))).toBe(true);
    const deploy = await kubectl('get', 'deploy', '-A');
    expect(deploy.stdout).toMatch(/superset-next\s+superset-staging\s+1\/2\s+2\s+1\s+90d/);
  });

  test('get events and namespaces', async () => {
    const events = json<{ items: { reason: string; type: string; involvedObject: { kind: string } }[] }>(
      await kubectl('get', 'events', '-n', 'superset-next', '-o', 'json'),
    );
    expect(events.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: 'BackOff', type: 'Warning', involvedObject: expect.objectContaining({ kind: 'Pod' }) })]),
    );
    const ns = await kubectl('get', 'namespaces', '-o', 'name');
    expect(ns.stdout.split('\n').filter(Boolean)).toEqual([
      'namespace/airflow-search',
      'namespace/airflow-test-k8s',
      'namespace/prod',
      'namespace/superset',
      'namespace/superset-next',
    ]);
  });

  test('get pods -w sees pods the test adds, changes and deletes', async () => {
    const child = spawn(
      'kubectl',
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        'pods',
        '-n',
        'superset',
        '-l',
        'app=superset',
        '-w',
        '-o',
        'json',
        '--output-watch-events',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const until = async (pred: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!pred()) throw new Error(`kubectl -w never showed ${what}; stdout: ${out.slice(-500)} stderr: ${err}`);
    };
    try {
      await until(() => (out.match(/"type":\s*"ADDED"/g) ?? []).length === 4 && api.watchers === 1, 'the four pods');
      const labels = { app: 'superset', release: 'production', routed_via: 'production' };
      const pod = makePod({
        namespace: 'superset',
        name: 'superset-production-ljwxrw6gcw-zz9zz',
        labels,
        image: SUPERSET_IMAGE,
        ageSeconds: 5,
        waiting: 'ContainerCreating',
      });
      api.upsertPod(pod);
      await until(() => /"type":\s*"ADDED",\s*"object":\s*\{[\s\S]*"name":\s*"superset-production-ljwxrw6gcw-zz9zz"/.test(out), 'the new pod');
      api.upsertPod(makePod({ namespace: 'superset', name: 'superset-production-ljwxrw6gcw-zz9zz', labels, image: SUPERSET_IMAGE, ageSeconds: 40 }));
      await until(() => /"type":\s*"MODIFIED"/.test(out), 'the change');
      api.deletePod('superset', 'superset-production-ljwxrw6gcw-zz9zz');
      await until(() => /"type":\s*"DELETED"/.test(out), 'the deletion');
      expect(err).toBe('');
    } finally {
      child.kill();
    }
    // kubectl listed first, then watched from the list's resourceVersion.
    expect(api.requestLog).toEqual(expect.arrayContaining([expect.stringMatching(/pods\?labelSelector=app%3Dsuperset&resourceVersion=\d+&watch=true/)]));
  });
});
