// Which lease a gateway competes for, from the config: a Kubernetes Lease (through the API server the
// pod's service account reaches, @kubernetes/client-node loaded only then) or a fenced Redis lease.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LeaderConfig } from '../config/ha.js';
import type { Logger } from '../core/log.js';
import type { RedisScope } from '../core/scope.js';
import { LeaderElector, type LeaseBackend } from './elector.js';
import { RedisLease } from './redis-lease.js';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** This gateway's name in the lease: the pod's name when Kubernetes gives it, with the process and a random part (a restart is a new holder). */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.POD_NAME || hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

function podNamespace(): string {
  try {
    return readFileSync(SA_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

/** The lease backend the config names; `kubeconfig` (tests) else in-cluster or $KUBECONFIG. */
export async function leaseBackend(c: LeaderConfig, scope: RedisScope, kubeconfig?: string): Promise<LeaseBackend> {
  if (c.backend === 'redis') return new RedisLease(scope.connection, scope.prefix, c.name);
  const [{ CoordinationV1Api, KubeConfig }, { KubeLease }] = await Promise.all([import('@kubernetes/client-node'), import('./kube-lease.js')]);
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return new KubeLease(kc.makeApiClient(CoordinationV1Api), c.namespace ?? podNamespace(), c.name);
}

export function startElection(
  c: LeaderConfig,
  backend: LeaseBackend,
  o: { log: Logger; onElected(token: number): void | Promise<void>; onDeposed(reason: string): void | Promise<void> },
): LeaderElector {
  const elector = new LeaderElector({
    backend,
    identity: c.identity ?? defaultIdentity(),
    leaseMs: c.leaseMs,
    renewMs: c.renewMs,
    retryMs: c.retryMs,
    log: o.log,
    onElected: o.onElected,
    onDeposed: o.onDeposed,
  });
  elector.start();
  return elector;
}
