// The Superset operator's custom resource (apache/superset-kubernetes-operator: superset.apache.org/v1alpha1,
// kind Superset) read into what `status` and the monitor say: the phase, ready/desired, the tag, the
// components that are not Ready, lifecycle tasks running or failed, and a supervised upgrade waiting for
// its approval token. Degraded and Blocked are down; AwaitingApproval is announced once.
import { clip, oneLine } from '../core/sanitize.js';
import { KubeNotFoundError } from '../kube/errors.js';
import type { KubeClient } from '../kube/client.js';

export const SUPERSET_CR = { group: 'superset.apache.org', version: 'v1alpha1', plural: 'supersets' } as const;
/** The annotation the operator waits for in supervised mode (its value: status.lifecycle.upgrade.approvalToken). */
export const APPROVE_ANNOTATION = 'superset.apache.org/approve-upgrade';
/** Phases in which the service is down for the monitor. */
export const DOWN_PHASES = new Set(['Degraded', 'Blocked']);

export interface OperatorTarget {
  context?: string;
  namespace: string;
  name: string;
}

export interface PendingUpgrade {
  fromTag: string;
  toTag: string;
  approvalToken: string;
}

export interface OperatorView {
  found: boolean;
  name: string;
  namespace: string;
  phase: string;
  ready?: string;
  tag?: string;
  healthy: boolean;
  /** Components not Ready: `celeryWorker: Unavailable, 0 ready (…)`. */
  components: { name: string; phase: string; ready: number; message?: string }[];
  /** Lifecycle tasks in progress or failed. */
  tasks: { name: string; state: string; attempts: number; message?: string }[];
  /** The Degraded/Blocked condition's message, or status.message. */
  message?: string;
  upgrade?: PendingUpgrade;
  /** The approval annotation currently on the CR. */
  annotation?: string;
}

const text = (v: unknown, max = 80): string | undefined => (typeof v === 'string' && v.trim() ? clip(oneLine(v.trim()), max) : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const DONE_TASK = new Set(['Complete', 'Completed', 'Succeeded', 'Skipped', 'NotRequired']);

/** A CR as the API returned it → the view. Tolerant: a field the operator did not write yet is absent. */
export function viewOf(t: OperatorTarget, cr: Record<string, unknown>): OperatorView {
  const md = (cr.metadata ?? {}) as { annotations?: Record<string, string> };
  const st = (cr.status ?? {}) as Record<string, unknown>;
  const phase = text(st.phase, 30) ?? 'Unknown';
  const components = Object.entries((st.components ?? {}) as Record<string, Record<string, unknown>>)
    .map(([key, c]) => ({
      // keys are data too: no control character from the CR reaches a chat line
      name: text(key, 40) ?? '?',
      phase: text(c?.phase, 30) ?? 'Unknown',
      ready: num(c?.readyReplicas),
      ...(text(c?.message) ? { message: text(c?.message)! } : {}),
    }))
    .filter((c) => c.phase !== 'Ready' && c.phase !== 'Drained');
  const lifecycle = (st.lifecycle ?? {}) as Record<string, unknown>;
  // per-task state: under lifecycle.tasks, or beside phase/upgrade in lifecycle itself
  const taskSource = { ...lifecycle, ...((lifecycle.tasks ?? {}) as Record<string, unknown>) };
  const tasks = Object.entries(taskSource)
    .filter(([k, v]) => k !== 'upgrade' && k !== 'tasks' && v && typeof v === 'object' && 'state' in (v as object))
    .map(([key, v]) => {
      const o = v as Record<string, unknown>;
      return {
        name: text(key, 40) ?? '?',
        state: text(o.state, 30) ?? 'Unknown',
        attempts: num(o.attempts),
        ...(text(o.message) ? { message: text(o.message)! } : {}),
      };
    })
    .filter((x) => !DONE_TASK.has(x.state));
  const up = (lifecycle.upgrade ?? {}) as Record<string, unknown>;
  const upgrade =
    typeof up.approvalToken === 'string' && up.approvalToken
      ? { fromTag: text(up.fromTag, 60) ?? '?', toTag: text(up.toTag, 60) ?? '?', approvalToken: up.approvalToken }
      : undefined;
  const conditions = (Array.isArray(st.conditions) ? st.conditions : []) as Record<string, unknown>[];
  const bad = conditions.find((c) => (c.type === 'Degraded' || c.type === 'Blocked') && c.status === 'True');
  const message = text(bad?.message) ?? text(st.message);
  return {
    found: true,
    name: t.name,
    namespace: t.namespace,
    phase,
    ...(text(st.ready, 20) ? { ready: text(st.ready, 20)! } : {}),
    ...(text(st.tag, 60) ? { tag: text(st.tag, 60)! } : {}),
    healthy: !DOWN_PHASES.has(phase),
    components,
    tasks,
    ...(message ? { message } : {}),
    ...(upgrade ? { upgrade } : {}),
    ...(md.annotations?.[APPROVE_ANNOTATION] ? { annotation: md.annotations[APPROVE_ANNOTATION] } : {}),
  };
}

/** The CR now; one that does not exist is a view saying so (and down), other failures throw (typed). */
export async function readOperator(kube: KubeClient, t: OperatorTarget): Promise<OperatorView> {
  try {
    return viewOf(t, await kube.getCustomObject(t.context, SUPERSET_CR, t.namespace, t.name));
  } catch (err) {
    if (!(err instanceof KubeNotFoundError)) throw err;
    return { found: false, name: t.name, namespace: t.namespace, phase: 'NotFound', healthy: false, components: [], tasks: [] };
  }
}

/** Why it is down, for the [DOWN] line: `operator: Degraded (celeryWorker Unavailable: …)`. */
export function operatorDetail(v: OperatorView): string {
  if (!v.found) return `operator: Superset ${v.namespace}/${v.name} not found`;
  const c = v.components[0];
  const why = v.message ?? (c ? `${c.name} ${c.phase}${c.message ? `: ${c.message}` : ''}` : undefined);
  return `operator: ${v.phase}${why ? ` (${why})` : ''}`;
}
