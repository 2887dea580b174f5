// The fake API's Leases (coordination.k8s.io/v1, what leader election uses), checked with the real
// kubectl: discovery lists them, create / get / replace / delete work, a replace carrying a stale
// resourceVersion is refused with the API server's Conflict, a second create with AlreadyExists. (The fake
// API serves no OpenAPI document, so create and replace run with --validate=false.)
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { kubectlFor, type Kubectl } from './support/kubectl.js';

let api: FakeKubeApi;
let kubectl: Kubectl;

const lease = (holder: string, rv?: string) =>
  JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'deckhand-gateway', namespace: 'superset', ...(rv ? { resourceVersion: rv } : {}) },
    spec: { holderIdentity: holder, leaseDurationSeconds: 10, leaseTransitions: 1 },
  });

beforeAll(async () => {
  // a namespace that exists (kubectl reads it after a 404 to word its error)
  api = await startFakeKubeApi({ seed: sandboxCluster() });
  kubectl = await kubectlFor(api.url);
});
afterAll(async () => {
  await api.close();
  await kubectl.close();
});

test('kubectl api-resources lists leases in coordination.k8s.io', async () => {
  const r = await kubectl('api-resources', '--api-group=coordination.k8s.io', '-o', 'name');
  expect(r.out.trim()).toBe('leases.coordination.k8s.io');
});

test('create, get, replace (optimistic concurrency), delete', async () => {
  await writeFile(join(kubectl.dir, 'a.json'), lease('gw-a'));
  const created = await kubectl('create', '--validate=false', '-f', join(kubectl.dir, 'a.json'));
  expect(created).toMatchObject({ ok: true, out: 'lease.coordination.k8s.io/deckhand-gateway created\n', err: '' });
  const again = await kubectl('create', '--validate=false', '-f', join(kubectl.dir, 'a.json'));
  expect(again.ok).toBe(false);
  expect(again.err).toMatch(/leases\.coordination\.k8s\.io "deckhand-gateway" already exists/);

  const got = JSON.parse((await kubectl('get', 'lease', 'deckhand-gateway', '-n', 'superset', '-o', 'json')).out) as {
    metadata: { resourceVersion: string };
    spec: { holderIdentity: string };
  };
  expect(got.spec.holderIdentity).toBe('gw-a');
  const rv = got.metadata.resourceVersion;

  await writeFile(join(kubectl.dir, 'b.json'), lease('gw-b', rv));
  expect((await kubectl('replace', '--validate=false', '-f', join(kubectl.dir, 'b.json'))).out).toBe('lease.coordination.k8s.io/deckhand-gateway replaced\n');
  // the same old version once more: someone changed it since
  await writeFile(join(kubectl.dir, 'c.json'), lease('gw-c', rv));
  const stale = await kubectl('replace', '--validate=false', '-f', join(kubectl.dir, 'c.json'));
  expect(stale.ok).toBe(false);
  expect(stale.err).toMatch(/Operation cannot be fulfilled on leases\.coordination\.k8s\.io "deckhand-gateway": the object has been modified/);
  expect(api.leases.get('superset', 'deckhand-gateway')?.spec?.holderIdentity).toBe('gw-b');

  expect((await kubectl('get', 'leases', '-n', 'superset', '-o', 'name')).out).toBe('lease.coordination.k8s.io/deckhand-gateway\n');
  expect((await kubectl('delete', 'lease', 'deckhand-gateway', '-n', 'superset')).out).toBe('lease.coordination.k8s.io "deckhand-gateway" deleted\n');
  const gone = await kubectl('get', 'lease', 'deckhand-gateway', '-n', 'superset');
  expect(gone.err).toMatch(/leases\.coordination\.k8s\.io "deckhand-gateway" not found/);
});
