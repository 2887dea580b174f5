// Kubernetes events as people read them: grouped by object and reason, counts added up, when last
// seen (`superset-staging-…-82hn8: BackOff ×412, last 2m ago: Back-off restarting failed container`),
// and the one that best explains an unhealthy environment.
import type { CoreV1Event } from '@kubernetes/client-node';
import { clip, oneLine } from '../core/sanitize.js';
import { shortAge } from '../core/time.js';
import { shortPodName } from './find-pod.js';

export interface EventGroup {
  /** As shown: a pod's shortened name, else `kind/name`. */
  object: string;
  /** The object's full name and kind. */
  name: string;
  kind: string;
  reason: string;
  count: number;
  last: number;
  message: string;
}

const time = (v: unknown): number => (v ? new Date(v as string | Date).getTime() || 0 : 0);

/** When an event was last seen: its series, else lastTimestamp, else eventTime, else when it was made. */
export function lastSeen(e: CoreV1Event): number {
  return Math.max(time(e.series?.lastObservedTime), time(e.lastTimestamp), time(e.eventTime), time(e.metadata?.creationTimestamp));
}

/** Events grouped by object and reason, counts added up, the latest message kept (one line, redacted); most recent first. */
export function groupEvents(events: CoreV1Event[], redact: (s: string) => string = oneLine): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const e of events) {
    const io = e.involvedObject ?? {};
    const kind = io.kind ?? 'Pod';
    const name = io.name ?? '?';
    const object = kind === 'Pod' ? shortPodName(name) : `${kind.toLowerCase()}/${name}`;
    const reason = oneLine(e.reason ?? 'Unknown');
    const key = `${kind}\0${name}\0${reason}`;
    const count = e.series?.count ?? e.count ?? 1;
    const last = lastSeen(e);
    // the kubelet's message repeats the pod's name, namespace and uid: the object is already named
    const message = clip(redact((e.message ?? '').replace(/ in pod \S+_\S+\([0-9a-f-]+\)\s*$/, '')), 200);
    const g = groups.get(key);
    if (!g) groups.set(key, { object, name, kind, reason, count, last, message });
    else {
      g.count += count;
      if (last >= g.last) Object.assign(g, { last, message });
    }
  }
  return [...groups.values()].sort((a, b) => b.last - a.last || b.count - a.count || a.object.localeCompare(b.object));
}

export function formatGroup(g: EventGroup, now: number): string {
  return `${g.object}: ${g.reason}${g.count > 1 ? ` ×${g.count}` : ''}, last ${shortAge(Math.max(0, now - g.last))} ago${g.message ? `: ${g.message}` : ''}`;
}

// Reasons that say why, before the ones that only say that it keeps failing (BackOff follows a crash,
// whatever its cause). Unlisted reasons rank between the two.
const TELLING = [
  'FailedScheduling',
  'FailedMount',
  'FailedAttachVolume',
  'FailedCreatePodSandBox',
  'Failed',
  'ErrImagePull',
  'OOMKilling',
  'Evicted',
  'FailedCreate',
  'Unhealthy',
  'ProbeWarning',
];
const GENERIC = ['BackOff', 'FailedSync'];
const rank = (reason: string): number => {
  const i = TELLING.indexOf(reason);
  if (i >= 0) return i;
  return GENERIC.includes(reason) ? 100 + GENERIC.indexOf(reason) : 50;
};

/**
 * The event that best explains an unhealthy environment: about one of `objects` (the unhealthy pods
 * and short deployments) when any is, the most specific reason first, then the most recent.
 */
export function mostTelling(groups: EventGroup[], objects: Set<string>): EventGroup | undefined {
  const about = groups.filter((g) => objects.has(g.name));
  const pool = about.length ? about : groups;
  return [...pool].sort((a, b) => rank(a.reason) - rank(b.reason) || b.last - a.last || b.count - a.count)[0];
}
