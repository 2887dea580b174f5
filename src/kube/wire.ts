import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';

// Lists are read as plain JSON (JSON.parse is ~5× faster than client-node's model deserializer,
// which dominated `status`). The generated models carry Date objects for timestamps, so the
// timestamp fields of pods and deployments are turned into Dates here, and nothing else differs.

type Obj = Record<string, unknown> | undefined;
const toDate = (o: Obj, key: string): void => {
  const v = o?.[key];
  if (typeof v === 'string') o![key] = new Date(v);
};
const each = (list: unknown, fn: (o: Record<string, unknown>) => void): void => {
  if (Array.isArray(list)) for (const o of list) if (o && typeof o === 'object') fn(o as Record<string, unknown>);
};

function metadata(o: Record<string, unknown>): void {
  const m = o.metadata as Obj;
  toDate(m, 'creationTimestamp');
  toDate(m, 'deletionTimestamp');
}

function containerState(s: Obj): void {
  toDate(s?.running as Obj, 'startedAt');
  toDate(s?.terminated as Obj, 'startedAt');
  toDate(s?.terminated as Obj, 'finishedAt');
}

export function revivePod(pod: Record<string, unknown>): V1Pod {
  metadata(pod);
  const status = pod.status as Obj;
  toDate(status, 'startTime');
  each(status?.conditions, (c) => {
    toDate(c, 'lastProbeTime');
    toDate(c, 'lastTransitionTime');
  });
  for (const key of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']) {
    each(status?.[key], (cs) => {
      containerState(cs.state as Obj);
      containerState(cs.lastState as Obj);
    });
  }
  return pod as V1Pod;
}

export function reviveDeployment(d: Record<string, unknown>): V1Deployment {
  metadata(d);
  each((d.status as Obj)?.conditions, (c) => {
    toDate(c, 'lastUpdateTime');
    toDate(c, 'lastTransitionTime');
  });
  return d as V1Deployment;
}

export function reviveEvent(e: Record<string, unknown>): CoreV1Event {
  metadata(e);
  for (const key of ['firstTimestamp', 'lastTimestamp', 'eventTime']) toDate(e, key);
  toDate(e.series as Obj, 'lastObservedTime');
  return e as unknown as CoreV1Event;
}
