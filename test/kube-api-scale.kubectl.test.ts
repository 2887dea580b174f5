// The fake API's deployment scale subresource, checked with the real kubectl (`kubectl scale`,
// `kubectl get --subresource=scale`) and read and written by Deckhand's KubeClient.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeClient, kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';

const run = promisify(execFile);
let api: FakeKubeApi;
let dir: string;
let client: KubeClient;

async function kubectl(...args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const r = await run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 20_000 });
    return { ok: true, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  dir = await mkdtemp(join(tmpdir(), 'deckhand-scale-'));
  await writeFile(join(dir, 'kubeconfig'), kubeConfigYaml(kubeConfigForUrl(api.url)));
  client = new KubeClient(kubeConfigForUrl(api.url), { timeoutMs: 5000 });
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

test('kubectl scale deploy --replicas=0 PATCHes the scale subresource; the deployment follows', async () => {
  const r = await kubectl('scale', 'deploy', 'superset-production', '-n', 'superset', '--replicas=0');
  expect(r).toEqual({ ok: true, out: 'deployment.apps/superset-production scaled\n', err: '' });
  expect(api.requestLog).toContainEqual(expect.stringMatching(/^PATCH \/apis\/apps\/v1\/namespaces\/superset\/deployments\/superset-production\/scale/));
  const d = JSON.parse((await kubectl('get', 'deploy', 'superset-production', '-n', 'superset', '-o', 'json')).out) as {
    spec: { replicas: number };
    status: { replicas: number };
  };
  expect([d.spec.replicas, d.status.replicas]).toEqual([0, 0]);

  // back to 4, with the current-replicas precondition kubectl checks first (a GET of the Scale, then a PUT)
  expect((await kubectl('scale', 'deploy', 'superset-production', '-n', 'superset', '--current-replicas=0', '--replicas=4')).out).toBe(
    'deployment.apps/superset-production scaled\n',
  );
  const scale = JSON.parse((await kubectl('get', 'deploy', 'superset-production', '-n', 'superset', '--subresource=scale', '-o', 'json')).out) as Record<
    string,
    unknown
  >;
  expect(scale).toMatchObject({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'superset-production', namespace: 'superset' },
    spec: { replicas: 4 },
    status: { replicas: 4 },
  });
  expect((scale.status as { selector: string }).selector).toMatch(/app=superset/);

  // a precondition that does not hold
  const stale = await kubectl('scale', 'deploy', 'superset-production', '-n', 'superset', '--current-replicas=7', '--replicas=1');
  expect(stale.ok).toBe(false);
  expect(stale.err).toMatch(/Expected replicas to be 7, was 4/);
});

test('KubeClient reads and sets replicas through the scale subresource', async () => {
  expect(await client.getScale(undefined, 'airflow-search', 'airflow-webserver')).toEqual({ replicas: 1, current: 1 });
  expect(await client.scaleDeployment(undefined, 'airflow-search', 'airflow-webserver', 0)).toEqual({ replicas: 0, current: 0 });
  expect(await client.getScale(undefined, 'airflow-search', 'airflow-webserver')).toEqual({ replicas: 0, current: 0 });
  await expect(client.getScale(undefined, 'airflow-search', 'nope')).rejects.toThrow(/not found|nope/);
  expect(api.requestLog).toContainEqual(expect.stringMatching(/^PATCH \/apis\/apps\/v1\/namespaces\/airflow-search\/deployments\/airflow-webserver\/scale/));
});
