import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { clip, oneLine } from '../core/sanitize.js';
import { shortAge } from '../core/time.js';

// Reasons a container can be stuck in; anything here makes the pod unhealthy at once.
const BAD_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
  'ErrImageNeverPull',
]);

export interface PodProblem {
  name: string;
  reason: string;
  detail?: string;
  restarts: number;
  ageMs: number;
}

export interface EnvironmentHealth {
  service: string;
  environment: string;
  namespace: string;
  selector: string;
  ready: number;
  total: number;
  restarts: number;
  /** Image versions in use, most common first (several during a roll-out). */
  images: { version: string; pods: number }[];
  /** Age of the youngest pod: roughly "since the last roll-out". */
  youngestMs?: number;
  problems: PodProblem[];
  /** Deployments whose available replicas are below the desired count. */
  shortDeployments: { name: string; available: number; desired: number }[];
  healthy: boolean;
}

/** `repo/superset:2026-02-16-150514-b1a5…@sha256:…` → `2026-02-16-150514`: the part people recognise. */
export function imageVersion(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const tag = colon > slash ? noDigest.slice(colon + 1) : 'latest';
  return tag.replace(/-[0-9a-f]{40}$/, '');
}

function podProblem(pod: V1Pod, now: number): PodProblem | undefined {
  const name = pod.metadata?.name ?? '?';
  const started = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : now;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const restarts = (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const base = { name, restarts, ageMs: Math.max(0, now - started) };
  for (const c of statuses) {
    const w = c.state?.waiting;
    if (w?.reason && BAD_WAITING.has(w.reason)) return { ...base, reason: w.reason, ...(w.message ? { detail: w.message } : {}) };
  }
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase === 'Failed' || phase === 'Unknown')
    return { ...base, reason: pod.status?.reason ?? phase, ...(pod.status?.message ? { detail: pod.status.message } : {}) };
  if (phase === 'Pending') {
    const w = statuses.find((c) => c.state?.waiting?.reason)?.state?.waiting;
    const unsched = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return { ...base, reason: w?.reason ?? (unsched ? 'Unschedulable' : 'Pending'), ...(unsched?.message ? { detail: unsched.message } : {}) };
  }
  if (!isReady(pod)) {
    const notReady = statuses.find((c) => !c.ready);
    const t = notReady?.state?.terminated;
    return { ...base, reason: t?.reason ?? 'NotReady', ...(notReady ? { detail: `container ${notReady.name} not ready` } : {}) };
  }
  return undefined;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function assessEnvironment(
  ids: { service: string; environment: string; namespace: string; selector: string },
  pods: V1Pod[],
  deployments: V1Deployment[],
  now = Date.now(),
): EnvironmentHealth {
  // Finished pods (jobs, completed hooks) are not part of the service's health.
  const live = pods.filter((p) => p.status?.phase !== 'Succeeded' && !p.metadata?.deletionTimestamp);
  let ready = 0;
  let restarts = 0;
  let youngestMs: number | undefined;
  const images = new Map<string, number>();
  const problems: PodProblem[] = [];
  for (const pod of live) {
    if (isReady(pod)) ready++;
    for (const c of pod.status?.containerStatuses ?? []) restarts += c.restartCount ?? 0;
    const image = pod.spec?.containers?.[0]?.image;
    if (image) {
      const v = imageVersion(image);
      images.set(v, (images.get(v) ?? 0) + 1);
    }
    const created = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : undefined;
    if (created !== undefined) youngestMs = Math.min(youngestMs ?? Infinity, Math.max(0, now - created));
    const problem = podProblem(pod, now);
    if (problem) problems.push(problem);
  }
  const shortDeployments = deployments
    .map((d) => ({ name: d.metadata?.name ?? '?', desired: d.spec?.replicas ?? 1, available: d.status?.availableReplicas ?? 0 }))
    .filter((d) => d.available < d.desired);
  return {
    ...ids,
    ready,
    total: live.length,
    restarts,
    images: [...images].map(([version, n]) => ({ version, pods: n })).sort((a, b) => b.pods - a.pods),
    ...(youngestMs !== undefined ? { youngestMs } : {}),
    problems,
    shortDeployments,
    healthy: live.length > 0 && problems.length === 0 && shortDeployments.length === 0,
  };
}

/** Problem pods' names grouped by reason, the most common reason first. */
export function problemsByReason(problems: PodProblem[]): [reason: string, names: string[]][] {
  const byReason = new Map<string, string[]>();
  for (const p of problems) {
    const names = byReason.get(p.reason);
    if (names) names.push(p.name);
    else byReason.set(p.reason, [p.name]);
  }
  return [...byReason].sort((a, b) => b[1].length - a[1].length);
}

/** How many pods of a problem kind are listed one per line before they are grouped. */
const DETAIL_LIMIT = 3;

/**
 * One compact line per environment; details only for what is unhealthy.
 * A few problem pods get a line each; many are grouped by reason so 5,000 broken pods still fit in two lines.
 * `health`: the application probes' phrases (`scheduler heartbeat 4s ago`), shown after the ready count.
 */
export function formatEnvironment(h: EnvironmentHealth, health: string[] = []): string[] {
  const head = `${h.service} ${h.environment}`;
  if (h.total === 0) return [oneLine([`${head}: no pods match ${h.selector} in namespace ${h.namespace}`, ...health].join(', '))];
  // what the application says (src/health) right after the pods' readiness: the two facts read together
  const parts = [`${h.ready}/${h.total} ready`, ...health];
  const [main, ...others] = h.images;
  if (main) parts.push(others.length ? `images ${h.images.map((i) => `${i.version} (${i.pods})`).join(', ')}` : `image ${main.version}`);
  parts.push(`${h.restarts} restart${h.restarts === 1 ? '' : 's'}`);
  if (h.youngestMs !== undefined) parts.push(`up ${shortAge(h.youngestMs)}`);
  for (const d of h.shortDeployments) parts.push(`deployment ${d.name} ${d.available}/${d.desired} available`);
  const lines = [oneLine(`${head}: ${parts.join(', ')}`)];
  if (h.problems.length <= DETAIL_LIMIT) {
    for (const p of h.problems) {
      const detail = p.detail ? ` (${clip(p.detail, 80)})` : '';
      lines.push(oneLine(`  ${p.name}: ${p.reason}${detail}, ${p.restarts} restarts, ${shortAge(p.ageMs)} old`));
    }
  } else {
    const text = problemsByReason(h.problems)
      .map(([reason, names]) => `${names.length} ${reason} (${names.slice(0, 2).join(', ')}${names.length > 2 ? ', …' : ''})`)
      .join('; ');
    lines.push(oneLine(`  unhealthy: ${text}`));
  }
  return lines;
}

/** Cap a reply, saying how much was left out rather than cutting silently. */
export function capLines<T>(lines: T[], max: number): (T | string)[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max - 1);
  return [...kept, `+${lines.length - kept.length} more lines`];
}
