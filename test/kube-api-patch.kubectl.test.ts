// The fake API's deployment PATCH (what the sandbox's helm sends), checked with the real kubectl:
// `kubectl patch --type merge`, `kubectl set image` (a strategic merge patch: containers merge by
// name) and `kubectl rollout restart`; with the sandbox's controller running, a new template brings
// new pods, seen with `kubectl get pods`.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startController, type SandboxController } from '../src/sandbox/controller.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { kubectlFor, type Kubectl } from './support/kubectl.js';

let api: FakeKubeApi;
let controller: SandboxController;
let kubectl: Kubectl;

interface Deployment {
  metadata: { generation: number; annotations: Record<string, string> };
  spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { name: string; image: string }[] } } };
}
const deployment = async () => JSON.parse((await kubectl('get', 'deploy', 'superset-staging', '-n', 'superset-next', '-o', 'json')).out) as Deployment;
const podNames = async () =>
  (await kubectl('get', 'pods', '-n', 'superset-next', '-o', 'jsonpath={.items[*].metadata.name}')).out.split(' ').filter(Boolean).sort();

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  controller = startController(api, { startMs: 300 });
  kubectl = await kubectlFor(api.url);
});
afterAll(async () => {
  controller.stop();
  await api.close();
  await kubectl.close();
});

test('kubectl patch --type merge changes the template: generation and revision go up, the pods are replaced', async () => {
  const before = await deployment();
  const pods = await podNames();
  const r = await kubectl(
    'patch',
    'deploy',
    'superset-staging',
    '-n',
    'superset-next',
    '--type',
    'merge',
    '-p',
    '{"spec":{"template":{"metadata":{"annotations":{"checksum/config":"abc"}}}}}',
  );
  expect(r).toMatchObject({ ok: true, out: 'deployment.apps/superset-staging patched\n' });
  const after = await deployment();
  expect(after.metadata.generation).toBe(before.metadata.generation + 1);
  expect(Number(after.metadata.annotations['deployment.kubernetes.io/revision'])).toBe(
    Number(before.metadata.annotations['deployment.kubernetes.io/revision']) + 1,
  );
  expect(after.spec.template.metadata.annotations).toEqual({ 'checksum/config': 'abc' });
  // the controller: new pods, then the old ones go
  let now = pods;
  for (let i = 0; i < 60 && (now.length !== 2 || now.some((n) => pods.includes(n))); i++) {
    await new Promise((res) => setTimeout(res, 100));
    now = await podNames();
  }
  expect(now).toHaveLength(2);
  expect(now.filter((n) => pods.includes(n))).toEqual([]);
});

test('kubectl set image changes one container and keeps the other (strategic merge by name)', async () => {
  const r = await kubectl(
    'set',
    'image',
    'deploy/superset-staging',
    '-n',
    'superset-next',
    'superset-staging=docker-registry.discovery.wmnet/repos/data-engineering/superset:2026-07-01',
  );
  expect(r.ok).toBe(true);
  const containers = (await deployment()).spec.template.spec.containers;
  expect(containers.map((c) => c.name)).toEqual(['superset-staging', 'superset-staging-tls-proxy']);
  expect(containers[0]!.image).toBe('docker-registry.discovery.wmnet/repos/data-engineering/superset:2026-07-01');
});

test('kubectl rollout restart sets its annotation; a patch that is not JSON is a 400', async () => {
  expect((await kubectl('rollout', 'restart', 'deploy/superset-staging', '-n', 'superset-next')).out).toBe('deployment.apps/superset-staging restarted\n');
  expect((await deployment()).spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
  const bad = await fetch(`${api.url}/apis/apps/v1/namespaces/superset-next/deployments/superset-staging`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: '{not json',
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { kind: string }).kind).toBe('Status');
});
