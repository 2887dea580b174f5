// One environment's health beyond its pods: the operator's CR (when operator-managed) and the
// application probes (when the service has `health`), read side by side. Shared by `status` and the monitor.
import type { Config, EnvironmentConfig } from '../config/schema.js';
import { releaseOf } from '../deploy/helm-history.js';
import type { KubeClient } from '../kube/client.js';
import { probesFor } from './kinds.js';
import { readOperator, type OperatorTarget, type OperatorView } from './operator.js';
import { runProbe, type ProbeResult } from './probe.js';

export interface HealthReport {
  /** The CR, or why it could not be read. */
  operator?: OperatorView | { error: string };
  probes: ProbeResult[];
}

export function operatorTarget(env: EnvironmentConfig): OperatorTarget | undefined {
  if (!env.operator) return undefined;
  return { ...(env.context ? { context: env.context } : {}), namespace: env.operator.namespace ?? env.namespace, name: env.operator.name };
}

/** Whether there is anything beyond pods to read for this environment. */
export function hasHealth(config: Config, service: string, environment: string): boolean {
  const s = config.services[service];
  return !!(s?.health || s?.environments[environment]?.operator);
}

/** The helm release `{release}` stands for: the deploy's, else the environment's name. */
function release(service: string, environment: string, env: EnvironmentConfig): string {
  if (!env.deploy) return environment;
  try {
    return releaseOf({ service, environment, env, deploy: env.deploy }).name;
  } catch {
    return environment;
  }
}

export async function checkHealth(kube: KubeClient, config: Config, service: string, environment: string, now: () => number): Promise<HealthReport> {
  const s = config.services[service]!;
  const env = s.environments[environment]!;
  const ot = operatorTarget(env);
  const h = s.health;
  const target = { ...(env.context ? { context: env.context } : {}), namespace: env.namespace };
  const [operator, probes] = await Promise.all([
    ot ? readOperator(kube, ot).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })) : undefined,
    h
      ? Promise.all(
          probesFor(h, release(service, environment, env)).map((p) =>
            runProbe(kube, target, p, { timeoutMs: h.timeoutMs, heartbeatMs: h.heartbeatSeconds * 1000, now }),
          ),
        )
      : [],
  ]);
  return { ...(operator ? { operator } : {}), probes };
}

/** Healthy as far as this report goes (a CR that could not be read says nothing either way). */
export function reportHealthy(r: HealthReport): boolean {
  const op = r.operator && !('error' in r.operator) ? r.operator : undefined;
  return (op?.healthy ?? true) && r.probes.every((p) => p.ok);
}
