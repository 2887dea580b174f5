// deploy/kubernetes/deckhand.yaml, checked as far as a machine without an API server allows (kubectl's
// --dry-run=client still asks a server for discovery): every document parses, the embedded config loads
// through the real loader (Sentinel, the Kubernetes Lease backend), the gateways' RBAC grants what
// src/leader/kube-lease.ts does with the lease the config names, two gateways carry their pod name for
// the Lease and are probed on the config's HTTP port, and the workers mount what the config points at.
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { repoRoot } from './support/config.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}
interface Container {
  args: string[];
  env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment extends Obj {
  spec: { replicas: number; template: { spec: { serviceAccountName?: string; containers: Container[]; volumes: { name: string }[] } } };
}

const docs = parseAllDocuments(readFileSync(join(repoRoot(), 'deploy/kubernetes/deckhand.yaml'), 'utf8'));
const objs = docs.map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Obj;
});
const find = <T extends Obj>(kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as T;
const config = parseConfig(
  parseAllDocuments(find<Obj & { data: Record<string, string> }>('ConfigMap', 'deckhand-config').data['deckhand.yaml'] ?? '')[0]!.toJS() as unknown,
  'deckhand.yaml in the ConfigMap',
);
const gateway = find<Deployment>('Deployment', 'deckhand-gateway');
const worker = find<Deployment>('Deployment', 'deckhand-worker');

test('every object has a kind, a name and the one namespace', () => {
  expect(objs.map((o) => o.kind).sort()).toEqual([
    'ConfigMap',
    'Deployment',
    'Deployment',
    'PodDisruptionBudget',
    'Role',
    'RoleBinding',
    'Service',
    'ServiceAccount',
  ]);
  expect(new Set(objs.map((o) => o.metadata.namespace))).toEqual(new Set(['deckhand']));
});

test('the embedded config: Sentinel by master name, a Kubernetes Lease for the gateways', () => {
  expect(config.redis.sentinels).toHaveLength(3);
  expect(config.redis.name).toBe('deckhand');
  expect(config.leader).toMatchObject({ backend: 'kubernetes', name: 'deckhand-gateway' });
});

test('the gateways may get, create and update their lease, and nothing else', () => {
  const role = find<Obj & { rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[] }>(
    'Role',
    'deckhand-gateway-lease',
  );
  // what src/leader/kube-lease.ts calls: readNamespacedLease (get), createNamespacedLease (create), replaceNamespacedLease (update)
  const source = readFileSync(join(repoRoot(), 'src/leader/kube-lease.ts'), 'utf8');
  const used = new Set(
    [...source.matchAll(/\b(read|create|replace)NamespacedLease\b/g)].map((m) => ({ read: 'get', create: 'create', replace: 'update' })[m[1]!]),
  );
  const granted = new Set(role.rules.flatMap((r) => r.verbs));
  expect(granted).toEqual(used);
  for (const r of role.rules) {
    expect(r.apiGroups).toEqual(['coordination.k8s.io']);
    expect(r.resources).toEqual(['leases']);
    // create cannot be limited by name (the object does not exist yet); the others name the lease
    if (!r.verbs.includes('create')) expect(r.resourceNames).toEqual([config.leader!.name]);
  }
  const binding = find<Obj & { roleRef: { name: string }; subjects: { name: string }[] }>('RoleBinding', 'deckhand-gateway-lease');
  expect(binding.roleRef.name).toBe(role.metadata.name);
  expect(binding.subjects.map((s) => s.name)).toEqual([gateway.spec.template.spec.serviceAccountName]);
});

test('two gateways, named in the Lease by their pod, ready when connected or standing by', () => {
  expect(gateway.spec.replicas).toBe(2);
  const c = gateway.spec.template.spec.containers[0]!;
  expect(c.args.slice(0, 1)).toEqual(['gateway']);
  expect(c.env?.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  const http = c.ports.find((p) => p.name === 'http')!;
  expect(http.containerPort).toBe(config.http!.port);
  expect(c.ports.find((p) => p.name === 'slack')!.containerPort).toBe(config.slack!.port);
  expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
});

test('workers run any number, with the kubeconfig and the checkout the config names', () => {
  expect(worker.spec.replicas).toBeGreaterThanOrEqual(1);
  const c = worker.spec.template.spec.containers[0]!;
  expect(c.args[0]).toBe('worker');
  const mounts = c.volumeMounts.map((m) => m.mountPath);
  expect(config.kubernetes.kubeconfig!.startsWith(mounts.find((m) => m.includes('kubeconfig'))! + '/')).toBe(true);
  expect(mounts).toContain(config.deploymentCharts!.checkout);
  for (const m of c.volumeMounts) expect(worker.spec.template.spec.volumes.map((v) => v.name)).toContain(m.name);
});
