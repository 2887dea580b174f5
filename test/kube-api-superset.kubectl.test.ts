// The fake API's Superset custom resource and service proxy, checked with the real kubectl:
// discovery, get/list/watch of supersets, `kubectl annotate` (a merge patch), `get --raw …/proxy/…`;
// and Deckhand's own client reading the CR, patching it and probing through the proxy.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeClient, kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { makeSuperset } from '../src/sandbox/kube-api-superset.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { SUPERSET_CR } from '../src/health/operator.js';

const execFileP = promisify(execFile);
let api: FakeKubeApi;
let app: Server;
let dir: string;
let kubeconfig: string;
let kube: KubeClient;
const requests: string[] = [];

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args];
  try {
    const { stdout, stderr } = await execFileP('kubectl', argv, { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  api = await startFakeKubeApi();
  api.upsertSuperset(makeSuperset({ namespace: 'superset-next', name: 'superset', phase: 'Running', tag: '6.0.0' }));
  // the application behind the service: Superset's /health, and a status of the test's choosing
  app = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/health') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    if (req.url?.startsWith('/status/')) return void res.writeHead(Number(req.url.slice(8)), { 'Content-Type': 'text/plain' }).end('broken');
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  api.proxies.set('superset-next', 'superset-staging', [8088, 'http'], `http://127.0.0.1:${(app.address() as AddressInfo).port}`);
  dir = await mkdtemp(join(tmpdir(), 'deckhand-kubectl-superset-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeConfigYaml(kubeConfigForUrl(api.url)));
  kube = new KubeClient(kubeConfigForUrl(api.url), { timeoutMs: 3000 });
});

afterAll(async () => {
  await api.close();
  await new Promise((r) => app.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl and the Superset custom resource', () => {
  test('discovery lists supersets in superset.apache.org/v1alpha1 (aggregated and legacy)', async () => {
    const r = await kubectl('api-resources', '--api-group', 'superset.apache.org', '-o', 'wide');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^supersets\s+superset\.apache\.org\/v1alpha1\s+true\s+Superset\s+get,list,watch,patch/m);
    const legacy = (await (await fetch(`${api.url}/apis/superset.apache.org/v1alpha1`)).json()) as { groupVersion: string; resources: { name: string }[] };
    expect(legacy).toMatchObject({ groupVersion: 'superset.apache.org/v1alpha1', resources: [{ name: 'supersets' }] });
  });

  test('get supersets -n …: the CR with the status the operator wrote', async () => {
    const table = await kubectl('get', 'supersets', '-n', 'superset-next');
    expect(table.stdout).toMatch(/^NAME\s+PHASE\s+READY\s+TAG\s+AGE\nsuperset\s+Running\s+2\/2\s+6\.0\.0\s+\d+d\n$/);
    const names = await kubectl('get', 'supersets', '-n', 'superset-next', '-o', 'name');
    expect(names.stdout.trim()).toBe('superset.superset.apache.org/superset');
    const one = await kubectl('get', 'superset', 'superset', '-n', 'superset-next', '-o', 'json');
    expect(one.code).toBe(0);
    const cr = JSON.parse(one.stdout) as { kind: string; apiVersion: string; status: { phase: string; ready: string; tag: string } };
    expect(cr).toMatchObject({ kind: 'Superset', apiVersion: 'superset.apache.org/v1alpha1', status: { phase: 'Running', ready: '2/2', tag: '6.0.0' } });
    const missing = await kubectl('get', 'superset', 'nope', '-n', 'superset-next');
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): supersets.superset.apache.org "nope" not found');
  });

  test('kubectl annotate superset sets the approval annotation with a merge patch; Deckhand reads it back', async () => {
    const r = await kubectl('annotate', 'superset', 'superset', '-n', 'superset-next', 'superset.apache.org/approve-upgrade=tok-123');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('superset.superset.apache.org/superset annotated');
    expect(api.requestLog).toContainEqual(
      expect.stringMatching(/^PATCH \/apis\/superset\.apache\.org\/v1alpha1\/namespaces\/superset-next\/supersets\/superset/),
    );
    const cr = await kube.getCustomObject(undefined, SUPERSET_CR, 'superset-next', 'superset');
    expect((cr.metadata as { annotations: Record<string, string> }).annotations).toEqual({ 'superset.apache.org/approve-upgrade': 'tok-123' });
    expect((cr.status as { phase: string }).phase).toBe('Running'); // the status subresource is untouched
  });

  test("Deckhand's merge patch with a stale resourceVersion is a 409, and nothing changes", async () => {
    const cr = await kube.getCustomObject(undefined, SUPERSET_CR, 'superset-next', 'superset');
    const rv = (cr.metadata as { resourceVersion: string }).resourceVersion;
    await kube.mergePatchCustomObject(undefined, SUPERSET_CR, 'superset-next', 'superset', { metadata: { resourceVersion: rv, labels: { a: 'b' } } });
    await expect(
      kube.mergePatchCustomObject(undefined, SUPERSET_CR, 'superset-next', 'superset', {
        metadata: { resourceVersion: rv, annotations: { 'superset.apache.org/approve-upgrade': 'other' } },
      }),
    ).rejects.toThrow(/answered 409 Conflict/);
    const after = await kubectl('get', 'superset', 'superset', '-n', 'superset-next', '-o', 'jsonpath={.metadata.annotations}');
    expect(JSON.parse(after.stdout)).toEqual({ 'superset.apache.org/approve-upgrade': 'tok-123' });
  });

  test('get supersets --watch sees the operator change the phase', async () => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'supersets', '-n', 'superset-next', '--watch', '-o', 'jsonpath={.status.phase}{"\\n"}']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const until = async (re: RegExp) => {
        for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
        expect(out).toMatch(re);
      };
      await until(/Running\n/);
      api.upsertSuperset(makeSuperset({ namespace: 'superset-next', name: 'superset', phase: 'Degraded', tag: '6.0.0' }));
      await until(/Running\nDegraded\n/);
    } finally {
      child.kill();
    }
  });
});

describe('kubectl get --raw through the service proxy', () => {
  test('…/services/name:port/proxy/health reaches the application (by port number and by port name)', async () => {
    const r = await kubectl('get', '--raw', '/api/v1/namespaces/superset-next/services/superset-staging:8088/proxy/health');
    expect(r).toMatchObject({ code: 0, stdout: 'OK' });
    const named = await kubectl('get', '--raw', '/api/v1/namespaces/superset-next/services/http:superset-staging:http/proxy/health');
    expect(named.stdout).toBe('OK');
    expect(requests.filter((u) => u === '/health')).toHaveLength(2);
  });

  test('no such service is a NotFound, no such port a ServiceUnavailable', async () => {
    const none = await kubectl('get', '--raw', '/api/v1/namespaces/superset-next/services/nope:8088/proxy/health');
    expect(none.stderr.trim()).toBe('Error from server (NotFound): services "nope" not found');
    const port = await kubectl('get', '--raw', '/api/v1/namespaces/superset-next/services/superset-staging:9999/proxy/health');
    expect(port.stderr.trim()).toBe('Error from server (ServiceUnavailable): no endpoints available for service "superset-staging:9999"');
  });

  test("Deckhand's proxy GET returns the application's own status and body", async () => {
    const ok = await kube.proxyGet(undefined, 'superset-next', { service: 'superset-staging', port: 8088, path: '/health' }, 2000);
    expect(ok).toEqual({ code: 200, body: 'OK', contentType: 'text/plain' });
    const bad = await kube.proxyGet(undefined, 'superset-next', { service: 'superset-staging', port: 8088, path: '/status/503' }, 2000);
    expect(bad).toMatchObject({ code: 503, body: 'broken' });
  });
});
