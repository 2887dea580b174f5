// The fake API's ReplicaSets and Table options, checked with the real kubectl: `get rs`, `describe deploy`
// (which finds the new ReplicaSet through owner references), a roll-out leaving the old ReplicaSet at 0,
// and `--sort-by`, for which kubectl asks the Table rows to carry whole objects (`includeObject=Object`).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { makePod, sandboxCluster, SUPERSET_IMAGE, SUPERSET_NEXT_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { kubectlFor, type Kubectl } from './support/kubectl.js';

let api: FakeKubeApi;
let k: Kubectl;

/** kubectl's output, which must come without an error. */
async function kubectl(...args: string[]): Promise<string> {
  const r = await k(...args);
  expect({ ok: r.ok, err: r.err }).toEqual({ ok: true, err: '' });
  return r.out;
}

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  k = await kubectlFor(api.url);
});
afterAll(async () => {
  await api.close();
  await k.close();
});

test('kubectl get rs: one ReplicaSet per deployment, owning the pods', async () => {
  const out = (await kubectl('get', 'rs', '-n', 'superset')).trim().split('\n');
  expect(out[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/);
  expect(out.slice(1)).toEqual([expect.stringMatching(/^superset-production-[a-z0-9]{10}\s+4\s+4\s+4\s+90d$/)]);
  // The pods' controller is that ReplicaSet, and its controller the deployment.
  const rsName = out[1]!.split(/\s+/)[0]!;
  const pods = JSON.parse(await kubectl('get', 'pods', '-n', 'superset', '-o', 'json')) as { items: { metadata: { ownerReferences: { name: string }[] } }[] };
  expect(new Set(pods.items.map((p) => p.metadata.ownerReferences[0]!.name))).toEqual(new Set([rsName]));
  const rs = JSON.parse(await kubectl('get', 'rs', rsName, '-n', 'superset', '-o', 'json')) as {
    metadata: { ownerReferences: { kind: string; name: string }[] };
  };
  expect(rs.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'superset-production' })]);
});

test('kubectl describe deploy names the new ReplicaSet', async () => {
  const out = await kubectl('describe', 'deploy', 'superset-production', '-n', 'superset');
  expect(out).toMatch(/NewReplicaSet:\s+superset-production-[a-z0-9]{10} \(4\/4 replicas created\)/);
});

test('a new image rolls out to a new ReplicaSet; the old one is scaled to 0 and kept', async () => {
  const before = (await kubectl('get', 'rs', '-n', 'superset', '-o', 'name')).trim();
  const d = JSON.parse(await kubectl('get', 'deploy', 'superset-production', '-n', 'superset', '-o', 'json')) as V1Deployment;
  d.spec!.template.spec!.containers[0]!.image = SUPERSET_NEXT_IMAGE;
  api.upsertDeployment(d);
  const rows = (await kubectl('get', 'rs', '-n', 'superset', '--no-headers')).trim().split('\n');
  expect(rows).toHaveLength(2);
  expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${before.replace('replicaset.apps/', '')}\\s+0\\s+0\\s+0\\s`)));
  expect(rows.filter((r) => /\s4\s+4\s+4\s/.test(r))).toHaveLength(1);
});

test('kubectl get pods --sort-by asks for whole objects in the Table rows and sorts by them', async () => {
  // Three pods whose start times run opposite to their names, so name order would fail.
  const labels = { app: 'sorter' };
  for (const [name, age] of [
    ['sorter-aaaaaaaaaa-aaaaa', 60],
    ['sorter-aaaaaaaaaa-bbbbb', 600],
    ['sorter-aaaaaaaaaa-ccccc', 6000],
  ] as const)
    api.upsertPod(makePod({ namespace: 'sorting', name, labels, image: SUPERSET_IMAGE, ageSeconds: age }));
  const out = (await kubectl('get', 'pods', '-n', 'sorting', '--sort-by=.status.startTime', '--no-headers')).trim().split('\n');
  expect(out.map((l) => l.split(/\s+/)[0])).toEqual(['sorter-aaaaaaaaaa-ccccc', 'sorter-aaaaaaaaaa-bbbbb', 'sorter-aaaaaaaaaa-aaaaa']);
  expect(api.requestLog).toContainEqual(expect.stringMatching(/^GET \/api\/v1\/namespaces\/sorting\/pods\?.*includeObject=Object/));
});

test('without includeObject the rows carry metadata only, as the real server sends them', async () => {
  const res = await fetch(`${api.url}/api/v1/namespaces/superset/pods`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const table = (await res.json()) as { rows: { object: { kind: string } }[] };
  expect(new Set(table.rows.map((r) => r.object.kind))).toEqual(new Set(['PartialObjectMetadata']));
  const none = (await (
    await fetch(`${api.url}/api/v1/namespaces/superset/pods?includeObject=None`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })
  ).json()) as { rows: { object?: unknown }[] };
  expect(none.rows.every((r) => r.object === undefined)).toBe(true);
});
