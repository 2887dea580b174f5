// The fake API's deployment scale subresource, checked with the real kubectl (`kubectl scale`,
// `kubectl get --subresource=scale`) and read and written by Deckhand's KubeClient.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { kubectlFor, type Kubectl } from './support/kubectl.js';

let api: FakeKubeApi;
let kubectl: Kubectl;
let client: KubeClient;

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  kubectl = await kubectlFor(api.url);
  client = new KubeClient(kubeConfigForUrl(api.url), { timeoutMs: 5000 });
});
afterAll(async () => {
  await api.close();
  await kubectl.close();
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
