// One environment's pods (and deployments) → healthy or not, with the facts a DOWN line needs.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { clip, oneLine } from '../core/sanitize.js';
import { reportHealthy, type HealthReport } from '../health/check.js';
import { operatorDetail } from '../health/operator.js';
import { assessEnvironment, problemsByReason } from '../kube/summarize.js';

export interface EnvTarget {
  service: string;
  environment: string;
  context?: string;
  namespace: string;
  selector: string;
}

export interface Observation {
  healthy: boolean;
  ready: number;
  /** Desired replicas when the deployments say, else the pods seen. */
  expected: number;
  /** `CrashLoopBackOff: superset-7d9f…`, `no pods`, `deployment superset 1/4 available`. */
  detail: string;
}

const NAME_MAX = 60;
const short = (name: string): string => clip(name, NAME_MAX);

/** Health = pods in a bad state (CrashLoopBackOff, ImagePullBackOff, Error…), available below desired, or no pods at all. */
export function observe(t: EnvTarget, pods: V1Pod[], deployments: V1Deployment[], now: number): Observation {
  const h = assessEnvironment({ service: t.service, environment: t.environment, namespace: t.namespace, selector: t.selector }, pods, deployments, now);
  const desired = deployments.reduce((n, d) => n + (d.spec?.replicas ?? 1), 0);
  const expected = Math.max(h.total, desired);
  let detail = '';
  if (h.total === 0) detail = 'no pods';
  else if (h.problems.length) {
    // the most common problem first, with one of its pods (`kubectl describe` needs a full name)
    const [reason, names] = problemsByReason(h.problems)[0]!;
    const more = h.problems.length - 1;
    detail = `${reason}: ${short(names[0]!)}${more > 0 ? ` +${more} more` : ''}`;
  } else if (h.shortDeployments.length) {
    const d = h.shortDeployments[0]!;
    detail = `deployment ${d.name} ${d.available}/${d.desired} available`;
  }
  return { healthy: h.healthy, ready: h.ready, expected, detail: oneLine(detail) };
}

/**
 * The pods' observation with what the application and the operator say: a failed probe or a
 * Degraded/Blocked CR makes it unhealthy even while every pod is Ready. No report yet: the pods decide.
 */
export function withHealth(o: Observation, r: HealthReport | undefined): Observation {
  if (!r || reportHealthy(r)) return o;
  const op = r.operator && !('error' in r.operator) && !r.operator.healthy ? operatorDetail(r.operator) : undefined;
  const probes = r.probes.filter((p) => !p.ok).map((p) => p.text);
  const detail = [...(o.healthy ? [] : [o.detail]), ...(op ? [op] : []), ...probes].filter(Boolean).join('; ');
  return { ...o, healthy: false, detail: oneLine(clip(detail, 200)) };
}
