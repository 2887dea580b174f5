// Server-side printing (meta.k8s.io/v1 Table) for pods, deployments and events, which kubectl asks for
// when it prints columns (`kubectl get pods`, `-w`). Without it kubectl shows NAME and AGE only.
import type { CoreV1Event, KubernetesObject, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

type Row = { cells: (string | number)[]; object?: object };
/** What each row carries (the request's `includeObject`): the server's default is the metadata only. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';
interface Printer {
  columns: { name: string; type: string; format?: string; priority?: number }[];
  cells(o: KubernetesObject, now: number): (string | number)[];
}

const PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Ready', type: 'string' },
      { name: 'Status', type: 'string' },
      { name: 'Restarts', type: 'string' },
      { name: 'Age', type: 'string' },
      { name: 'IP', type: 'string', priority: 1 },
      { name: 'Node', type: 'string', priority: 1 },
    ],
    cells(o, now) {
      const pod = o as V1Pod;
      const statuses = pod.status?.containerStatuses ?? [];
      let reason = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
      let restarts = 0;
      let lastRestart = 0;
      for (const s of statuses) {
        restarts += s.restartCount ?? 0;
        const finished = s.lastState?.terminated?.finishedAt;
        if (finished) lastRestart = Math.max(lastRestart, new Date(finished).getTime());
        if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
        else if (s.state?.terminated) reason = s.state.terminated.reason ?? `ExitCode:${s.state.terminated.exitCode}`;
      }
      if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
      const ready = statuses.filter((s) => s.ready).length;
      const total = pod.spec?.containers.length ?? statuses.length;
      const restartCell = lastRestart ? `${restarts} (${kubeDuration(now - lastRestart)} ago)` : String(restarts);
      return [pod.metadata!.name!, `${ready}/${total}`, reason, restartCell, age(o, now), pod.status?.podIP ?? '<none>', pod.spec?.nodeName ?? '<none>'];
    },
  },
  deployments: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Ready', type: 'string' },
      { name: 'Up-to-date', type: 'integer' },
      { name: 'Available', type: 'integer' },
      { name: 'Age', type: 'string' },
      { name: 'Containers', type: 'string', priority: 1 },
      { name: 'Images', type: 'string', priority: 1 },
    ],
    cells(o, now) {
      const d = o as V1Deployment;
      const containers = d.spec?.template.spec?.containers ?? [];
      return [
        d.metadata!.name!,
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        age(o, now),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image).join(','),
      ];
    },
  },
  replicasets: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Desired', type: 'integer' },
      { name: 'Current', type: 'integer' },
      { name: 'Ready', type: 'integer' },
      { name: 'Age', type: 'string' },
      { name: 'Containers', type: 'string', priority: 1 },
      { name: 'Images', type: 'string', priority: 1 },
      { name: 'Selector', type: 'string', priority: 1 },
    ],
    cells(o, now) {
      const rs = o as V1ReplicaSet;
      const containers = rs.spec?.template?.spec?.containers ?? [];
      const selector = Object.entries(rs.spec?.selector.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return [
        rs.metadata!.name!,
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        age(o, now),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image).join(','),
        selector,
      ];
    },
  },
  // pkg/printers/internalversion printEvent: the server fills every column, kubectl hides priority 1 unless -o wide
  events: {
    columns: [
      { name: 'Last Seen', type: 'string' },
      { name: 'Type', type: 'string' },
      { name: 'Reason', type: 'string' },
      { name: 'Object', type: 'string' },
      { name: 'Subobject', type: 'string', priority: 1 },
      { name: 'Source', type: 'string', priority: 1 },
      { name: 'Message', type: 'string' },
      { name: 'First Seen', type: 'string', priority: 1 },
      { name: 'Count', type: 'string', priority: 1 },
      { name: 'Name', type: 'string', format: 'name', priority: 1 },
    ],
    cells(o, now) {
      const e = o as CoreV1Event;
      const since = (t: Date | string | undefined | null) => (t ? kubeDuration(now - new Date(t).getTime()) : '<unknown>');
      const first = e.firstTimestamp ? since(e.firstTimestamp) : since(e.eventTime);
      let last = e.lastTimestamp ? since(e.lastTimestamp) : first;
      let count = e.count || 1;
      if (e.series) {
        last = since(e.series.lastObservedTime);
        count = e.series.count ?? count;
      }
      const io = e.involvedObject;
      const target = io.name ? `${(io.kind ?? '').toLowerCase()}/${io.name}` : (io.kind ?? '').toLowerCase();
      const source = [e.source?.component ?? e.reportingComponent, e.source?.host ?? e.reportingInstance].filter(Boolean).join(', ');
      return [last, e.type ?? '', e.reason ?? '', target, io.fieldPath ?? '', source, (e.message ?? '').trim(), first, count, e.metadata!.name!];
    },
  },
  // a CRD's additionalPrinterColumns: the Superset operator's phase, ready and tag, then Age
  supersets: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Phase', type: 'string' },
      { name: 'Ready', type: 'string' },
      { name: 'Tag', type: 'string' },
      { name: 'Age', type: 'date' },
    ],
    cells(o, now) {
      const st = ((o as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
      const cell = (v: unknown) => (typeof v === 'string' ? v : '');
      return [o.metadata!.name!, cell(st.phase), cell(st.ready), cell(st.tag), age(o, now)];
    },
  },
};

export function hasTable(resource: string): boolean {
  return resource in PRINTERS;
}

/** A Table of `objs` (each with kind/apiVersion), rows carrying PartialObjectMetadata like the real server. */
export function toTable(resource: string, objs: KubernetesObject[], resourceVersion: string, include: IncludeObject = 'Metadata', now = Date.now()): object {
  const p = PRINTERS[resource]!;
  const rows: Row[] = objs.map((o) => ({
    cells: p.cells(o, now),
    ...(include === 'None' ? {} : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
  }));
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: p.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows,
  };
}

function age(o: KubernetesObject, now: number): string {
  const created = o.metadata?.creationTimestamp;
  return created ? kubeDuration(now - new Date(created).getTime()) : '<unknown>';
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration: what kubectl prints (not core/time's humanDuration). */
function kubeDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}
