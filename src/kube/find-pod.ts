// Which pod `logs <pod-or-component>` means, among the pods of one namespace: the pod of that name,
// a shortened name as `events` prints it (`superset-staging-…-82hn8`), a component (the pod's
// `component` / `app.kubernetes.io/component` label → its newest pod), or a unique prefix.
import type { V1Pod } from '@kubernetes/client-node';
import { UserError } from '../core/errors.js';
import { closest } from '../core/suggest.js';

export const COMPONENT_LABELS = ['component', 'app.kubernetes.io/component'] as const;

/** `superset-staging-8vvb67768p-82hn8` → `superset-staging-…-82hn8` (a ReplicaSet pod's template hash elided); other names as they are. */
export function shortPodName(name: string): string {
  const m = /^(.+)-([a-z0-9]{6,10})-([a-z0-9]{5})$/.exec(name);
  return m ? `${m[1]}-…-${m[3]}` : name;
}

export class NoSuchPodError extends UserError {
  override name = 'NoSuchPodError';
  constructor(
    readonly given: string,
    readonly namespace: string,
    readonly suggestions: string[],
  ) {
    super(`no pod "${given}" in ${namespace}${suggestions.length ? ` (did you mean ${suggestions.join(', ')}?)` : ''}`);
  }
}

export class AmbiguousPodError extends UserError {
  override name = 'AmbiguousPodError';
  constructor(
    readonly given: string,
    readonly namespace: string,
    readonly candidates: string[],
  ) {
    const shown = candidates.slice(0, 5).map(shortPodName).join(', ');
    super(
      `"${given}" matches ${candidates.length} pods in ${namespace}: ${shown}${candidates.length > 5 ? ` and ${candidates.length - 5} more` : ''} (give more of the name)`,
    );
  }
}

export function componentOf(pod: V1Pod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  for (const key of COMPONENT_LABELS) if (labels[key]) return labels[key];
  return undefined;
}

const created = (p: V1Pod): number => (p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).getTime() : 0);

/** The pod `given` names, how it was found, or a NoSuchPodError / AmbiguousPodError with the names to try. */
export function findPod(pods: V1Pod[], given: string, namespace: string): { pod: V1Pod; by: 'name' | 'component' | 'prefix' } {
  const live = pods.filter((p) => p.metadata?.name);
  const name = (p: V1Pod) => p.metadata!.name!;
  const exact = live.find((p) => name(p) === given);
  if (exact) return { pod: exact, by: 'name' };

  const elided = /^(.*?)(?:…|\.\.\.)(.*)$/u.exec(given);
  if (elided) {
    const [, head, tail] = elided as unknown as [string, string, string];
    const found = live.filter((p) => name(p).startsWith(head) && name(p).endsWith(tail) && name(p).length > head.length + tail.length);
    if (found.length === 1) return { pod: found[0]!, by: 'name' };
    if (found.length > 1) throw new AmbiguousPodError(given, namespace, found.map(name).sort());
  } else {
    const byComponent = live.filter((p) => componentOf(p) === given);
    if (byComponent.length) return { pod: byComponent.sort((a, b) => created(b) - created(a) || name(a).localeCompare(name(b)))[0]!, by: 'component' };
    const byPrefix = live.filter((p) => name(p).startsWith(given));
    if (byPrefix.length === 1) return { pod: byPrefix[0]!, by: 'prefix' };
    if (byPrefix.length > 1) throw new AmbiguousPodError(given, namespace, byPrefix.map(name).sort());
  }

  const components = [...new Set(live.map(componentOf).filter((c): c is string => !!c))].sort();
  const needle = given.replace(/…|\.\.\./u, '');
  const containing = live
    .map(name)
    .filter((n) => needle.length >= 3 && n.includes(needle))
    .sort();
  const suggestions = containing.length
    ? containing.slice(0, 3).map(shortPodName)
    : closest(
        given,
        [...components, ...live.map(name).sort()].map((n) => shortPodName(n)).filter((n, i, a) => a.indexOf(n) === i),
      );
  throw new NoSuchPodError(given, namespace, suggestions);
}
