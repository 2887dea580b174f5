// The fake API's Leases (coordination.k8s.io/v1, what leader election uses), checked with the real
// kubectl: discovery lists them, create / get / replace / delete work, a replace carrying a stale
// resourceVersion is refused with the API server's Conflict, a second create with AlreadyExists. (The fake
// API serves no OpenAPI document, so create and replace run with --validate=false.)
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';

const run = promisify(execFile);
let api: FakeKubeApi;
let dir: string;

async function kubectl(...args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const r = await run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 20_000 });
    return { ok: true, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

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
  dir = await mkdtemp(join(tmpdir(), 'deckhand-lease-'));
  await writeFile(join(dir, 'kubeconfig'), kubeConfigYaml(kubeConfigForUrl(api.url)));
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

test('kubectl api-resources lists leases in coordination.k8s.io', async () => {
  const r = await kubectl('api-resources', '--api-group=coordination.k8s.io', '-o', 'name');
  expect(r.out.trim()).toBe('leases.coordination.k8s.io');
});

test('create, get, replace (optimistic concurrency), delete', async () => {
  await writeFile(join(dir, 'a.json'), lease('gw-a'));
  const created = await kubectl('create', '--validate=false', '-f', join(dir, 'a.json'));
  expect(created).toMatchObject({ ok: true, out: 'lease.coordination.k8s.io/deckhand-gateway created\n', err: '' });
  const again = await kubectl('create', '--validate=false', '-f', join(dir, 'a.json'));
  expect(again.ok).toBe(false);
  expect(again.err).toMatch(/leases\.coordination\.k8s\.io "deckhand-gateway" already exists/);

  const got = JSON.parse((await kubectl('get', 'lease', 'deckhand-gateway', '-n', 'superset', '-o', 'json')).out) as {
    metadata: { resourceVersion: string };
    spec: { holderIdentity: string };
  };
  expect(got.spec.holderIdentity).toBe('gw-a');
  const rv = got.metadata.resourceVersion;

  await writeFile(join(dir, 'b.json'), lease('gw-b', rv));
  expect((await kubectl('replace', '--validate=false', '-f', join(dir, 'b.json'))).out).toBe('lease.coordination.k8s.io/deckhand-gateway replaced\n');
  // the same old version once more: someone changed it since
  await writeFile(join(dir, 'c.json'), lease('gw-c', rv));
  const stale = await kubectl('replace', '--validate=false', '-f', join(dir, 'c.json'));
  expect(stale.ok).toBe(false);
  expect(stale.err).toMatch(/Operation cannot be fulfilled on leases\.coordination\.k8s\.io "deckhand-gateway": the object has been modified/);
  expect(api.leases.get('superset', 'deckhand-gateway')?.spec?.holderIdentity).toBe('gw-b');

  expect((await kubectl('get', 'leases', '-n', 'superset', '-o', 'name')).out).toBe('lease.coordination.k8s.io/deckhand-gateway\n');
  expect((await kubectl('delete', 'lease', 'deckhand-gateway', '-n', 'superset')).out).toBe('lease.coordination.k8s.io "deckhand-gateway" deleted\n');
  const gone = await kubectl('get', 'lease', 'deckhand-gateway', '-n', 'superset');
  expect(gone.err).toMatch(/leases\.coordination\.k8s\.io "deckhand-gateway" not found/);
});
