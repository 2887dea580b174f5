// Pod logs and per-kind field selectors for the fake Kubernetes API server (kube-api.ts calls in
// here with one hook each). Shapes and messages are the real API server's and kubelet's:
//   GET /api/v1/namespaces/{ns}/pods/{name}/log?container=&tailLines=&previous=&limitBytes=&timestamps=&sinceSeconds=
// answers text/plain; a pod with several containers and no `container` is a 400 Status "a container
// name must be specified for pod …, choose one of: [a b]", an unknown container "container x is not
// valid for pod …", `previous` with no terminated run "previous terminated container "x" in pod "y"
// not found", a container still waiting "container "x" in pod "y" is waiting to start: ContainerCreating".
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';

export interface LogLine {
  at: Date;
  text: string;
}

/** Log text per pod, container and run (the current one, or the previous terminated one). */
export class PodLogs {
  private readonly logs = new Map<string, LogLine[]>();

  private key(namespace: string, pod: string, container: string, previous: boolean): string {
    return `${namespace}/${pod}/${container}/${previous ? 'previous' : 'current'}`;
  }

  /** Set a container's log: lines (a string is split at \n), each stamped a second after the one before, the last one now. */
  set(namespace: string, pod: string, container: string, text: string | string[], o: { previous?: boolean; now?: Date } = {}): void {
    const lines = typeof text === 'string' ? text.replace(/\n$/, '').split('\n') : text;
    const now = (o.now ?? new Date()).getTime();
    this.logs.set(
      this.key(namespace, pod, container, o.previous ?? false),
      lines.map((t, i) => ({ at: new Date(now - (lines.length - 1 - i) * 1000), text: t })),
    );
  }

  get(namespace: string, pod: string, container: string, previous: boolean): LogLine[] | undefined {
    return this.logs.get(this.key(namespace, pod, container, previous));
  }

  clear(): void {
    this.logs.clear();
  }
}

const LOG_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/;

type Send = (res: ServerResponse, code: number, body: string, contentType?: string) => void;
type Status = (code: number, message: string, reason?: string, details?: { name?: string; kind?: string }) => string;

/** Serve `pods/{name}/log` when `path` is one; false for any other path. */
export function servePodLog(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  q: URLSearchParams,
  pods: (namespace: string, name: string) => KubernetesObject | undefined,
  logs: PodLogs,
  send: Send,
  status: Status,
): boolean {
  const m = LOG_PATH.exec(path);
  if (!m) return false;
  const namespace = decodeURIComponent(m[1]!);
  const name = decodeURIComponent(m[2]!);
  if (req.method !== 'GET') {
    send(res, 405, status(405, 'the server does not allow this method on the requested resource'));
    return true;
  }
  const pod = pods(namespace, name) as V1Pod | undefined;
  if (!pod) {
    send(res, 404, status(404, `pods "${name}" not found`, 'NotFound', { name, kind: 'pods' }));
    return true;
  }
  const bad = (message: string): true => (send(res, 400, status(400, message, 'BadRequest')), true);
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  let container = q.get('container') ?? '';
  if (!container) {
    if (containers.length === 1) container = containers[0]!;
    else
      return bad(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`,
      );
  }
  if (!containers.includes(container) && !inits.includes(container)) return bad(`container ${container} is not valid for pod ${name}`);

  const ints: Record<string, number | undefined> = {};
  for (const [key, min] of [
    ['tailLines', 0],
    ['limitBytes', 1],
    ['sinceSeconds', 1],
  ] as const) {
    const v = q.get(key);
    if (v === null || v === '') continue;
    if (!/^-?\d+$/.test(v)) return bad(`couldn't parse '${key}': invalid syntax`);
    if (Number(v) < min) {
      send(
        res,
        422,
        status(422, `PodLogOptions "${name}" is invalid: ${key}: Invalid value: ${v}: must be greater than${min ? '' : ' or equal to'} 0`, 'Invalid'),
      );
      return true;
    }
    ints[key] = Number(v);
  }
  const { tailLines: tail, limitBytes: limit, sinceSeconds: since } = ints;
  const previous = q.get('previous') === 'true' || q.get('previous') === '1';
  const cs = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === container);

  let lines = logs.get(namespace, name, container, previous);
  if (!lines) {
    if (previous) {
      if (!cs?.lastState?.terminated && !(cs?.restartCount ?? 0)) return bad(`previous terminated container "${container}" in pod "${name}" not found`);
      lines = sandboxLog(pod, container, true);
    } else {
      const waiting = cs?.state?.waiting;
      // A crash-looping container's current log is its last run's; one that never started has none.
      if (waiting && !cs?.lastState?.terminated)
        return bad(
          `container "${container}" in pod "${name}" is waiting to start: ${waiting.reason === 'ImagePullBackOff' || waiting.reason === 'ErrImagePull' ? 'trying and failing to pull image' : (waiting.reason ?? 'ContainerCreating')}`,
        );
      lines = sandboxLog(pod, container, false);
    }
  }
  if (since !== undefined) {
    const from = Date.now() - since * 1000;
    lines = lines.filter((l) => l.at.getTime() >= from);
  }
  if (tail !== undefined) lines = tail === 0 ? [] : lines.slice(-tail);
  const stamps = q.get('timestamps') === 'true';
  let body = lines.map((l) => `${stamps ? `${rfc3339Nano(l.at)} ` : ''}${l.text}\n`).join('');
  if (limit !== undefined) body = Buffer.from(body, 'utf8').subarray(0, limit).toString('utf8');
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.end(body);
  return true;
}

function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** What a made-up pod logs: a gunicorn/Superset start; a crash-looping one ends in the error it dies of. */
export function sandboxLog(pod: V1Pod, container: string, previous: boolean, now = new Date()): LogLine[] {
  const cs = pod.status?.containerStatuses?.find((s) => s.name === container);
  const crashing = cs?.state?.waiting?.reason === 'CrashLoopBackOff';
  const end =
    crashing || previous ? (cs?.lastState?.terminated?.finishedAt ? new Date(cs.lastState.terminated.finishedAt) : new Date(now.getTime() - 95_000)) : now;
  const stamp = (s: number) =>
    new Date(end.getTime() - s * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ',000');
  let text: string[];
  if (/proxy|envoy/.test(container)) {
    text = [
      `[${stamp(30)}][1][info][main] [source/server/server.cc:430] initializing epoch 0 (base id=0, hot restart version=11.104)`,
      `[${stamp(29)}][1][info][upstream] [source/common/upstream/cluster_manager_impl.cc:226] cm init: all clusters initialized`,
      `[${stamp(28)}][1][info][main] [source/server/server.cc:919] starting main dispatch loop`,
    ];
  } else if (crashing || (previous && cs?.lastState?.terminated?.reason === 'Error')) {
    text = [
      `[${stamp(6)}] [1] [INFO] Starting gunicorn 22.0.0`,
      `[${stamp(6)}] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)`,
      `[${stamp(5)}] [7] [INFO] Booting worker with pid: 7`,
      `Loaded your LOCAL configuration at [/etc/superset/superset_config.py]`,
      `[${stamp(1)}] [7] [ERROR] Exception in worker process`,
      `Traceback (most recent call last):`,
      `  File "/usr/local/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 145, in __init__`,
      `    self._dbapi_connection = engine.raw_connection()`,
      `sqlalchemy.exc.OperationalError: (MySQLdb.OperationalError) (2003, "Can't connect to MySQL server on 'an-mariadb1001.eqiad.wmnet' (111)")`,
      `[${stamp(0)}] [7] [INFO] Worker exiting (pid: 7)`,
      `[${stamp(0)}] [1] [ERROR] Reason: Worker failed to boot.`,
    ];
  } else if (previous) {
    text = [
      `[${stamp(40)}] [1] [INFO] Starting gunicorn 22.0.0`,
      `[${stamp(39)}] [7] [INFO] Booting worker with pid: 7`,
      `[${stamp(0)}] [1] [CRITICAL] WORKER TIMEOUT (pid:7)`,
      `[${stamp(0)}] [7] [ERROR] Error handling request /api/v1/chart/data (no URI read)`,
    ];
  } else {
    text = [
      `[${stamp(120)}] [1] [INFO] Starting gunicorn 22.0.0`,
      `[${stamp(120)}] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)`,
      `[${stamp(119)}] [7] [INFO] Booting worker with pid: 7`,
      `Loaded your LOCAL configuration at [/etc/superset/superset_config.py]`,
      `10.67.12.4 - - [${stamp(60)}] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.31"`,
      `10.67.12.4 - - [${stamp(30)}] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.31"`,
      `10.67.12.4 - - [${stamp(0)}] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.31"`,
    ];
  }
  return text.map((t, i) => ({ at: new Date(end.getTime() - (text.length - 1 - i) * 1000), text: t }));
}

type FieldObject = KubernetesObject & {
  status?: { phase?: string; podIP?: string; nominatedNodeName?: string };
  spec?: { nodeName?: string; restartPolicy?: string; schedulerName?: string; serviceAccountName?: string; hostNetwork?: boolean };
  involvedObject?: Record<string, string | undefined>;
  reason?: string;
  type?: string;
  reportingComponent?: string;
  source?: { component?: string };
};
type Getter = (o: FieldObject) => string | undefined;

const META: Record<string, Getter> = { 'metadata.name': (o) => o.metadata?.name, 'metadata.namespace': (o) => o.metadata?.namespace };
const involved =
  (key: string): Getter =>
  (o) =>
    o.involvedObject?.[key] ?? '';
/** The field labels the real API server supports per resource (pkg/registry/core/*\/strategy.go). */
const FIELDS: Record<string, Record<string, Getter>> = {
  pods: {
    ...META,
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork ?? false),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIP ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
  events: {
    ...META,
    ...Object.fromEntries(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((k) => [`involvedObject.${k}`, involved(k)])),
    reason: (o) => o.reason ?? '',
    reportingComponent: (o) => o.reportingComponent ?? '',
    source: (o) => o.source?.component ?? '',
    type: (o) => o.type ?? '',
  },
};

/** How a field selector label reads from an object of `resource`; undefined when the server does not support it. */
export function fieldGetter(resource: string, field: string): Getter | undefined {
  return (FIELDS[resource] ?? META)[field];
}
