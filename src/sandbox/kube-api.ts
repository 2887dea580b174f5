// A small in-memory Kubernetes API server (node:http only) that speaks the real REST shapes:
// discovery (aggregated and legacy), pod / deployment / event lists with label and field
// selectors, GET by name, watch streams with resourceVersions, BOOKMARKs and timeoutSeconds,
// and `Status` errors. Used by the tests (checked against the real kubectl) and by `npm start`
// on a machine without a kube context, where it is shown as the "sandbox cluster".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubernetesObject, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { replicaSetFor, type ClusterSeed } from './fixtures.js';
import { LabelSelectorError, matchesSelector, parseLabelSelector, type Selector } from './label-selector.js';
import { discoveryResponse, RESOURCES, type ResourceName } from './discovery.js';
import { hasTable, TABLE_CONTENT_TYPE, toTable, type IncludeObject } from './table.js';
import { fieldGetter, PodLogs, servePodLog } from './kube-api-logs.js';
import { serveScale } from './kube-api-scale.js';
import { LeaseStore, serveLeases } from './kube-api-lease.js';
import { serveDeploymentPatch } from './kube-api-patch.js';
import { serveSupersetPatch } from './kube-api-superset.js';
import { ServiceProxies, serveServiceProxy } from './kube-api-proxy.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface FakeKubeApiOptions {
  port?: number;
  host?: string;
  /** Objects to start with, e.g. sandboxCluster(). */
  seed?: ClusterSeed;
  /** Watch events kept for resuming watches; older resourceVersions get 410 Expired. */
  historyLimit?: number;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK (the real server: about a minute). */
  bookmarkIntervalMs?: number;
}

export interface FakeKubeApi {
  /** http://host:port, for a kubeconfig `server:`. */
  readonly url: string;
  /** Requests received so far (discovery included). */
  readonly requests: number;
  /** The last 1,000 requests, `GET /api/v1/...?...`. */
  readonly requestLog: string[];
  /** The current resourceVersion; every change increases it. */
  readonly resourceVersion: number;
  setPods(namespace: string, pods: KubernetesObject[]): void;
  upsertPod(pod: KubernetesObject): void;
  deletePod(namespace: string, name: string): void;
  setDeployments(namespace: string, deployments: KubernetesObject[]): void;
  upsertDeployment(deployment: KubernetesObject): void;
  setEvents(namespace: string, events: KubernetesObject[]): void;
  load(seed: ClusterSeed): void;
  getPod(namespace: string, name: string): KubernetesObject | undefined;
  /** Containers' logs (`pods/{name}/log`); a container with none set logs made-up lines (kube-api-logs.ts). */
  readonly logs: PodLogs;
  /** Leases (coordination.k8s.io/v1, leader election): kube-api-lease.ts. */
  readonly leases: LeaseStore;
  /** The Superset operator's custom resources (kube-api-superset.ts makeSuperset). */
  upsertSuperset(cr: KubernetesObject): void;
  getSuperset(namespace: string, name: string): KubernetesObject | undefined;
  /** `services/{name}:{port}/proxy/…` goes to these upstreams (kube-api-proxy.ts). */
  readonly proxies: ServiceProxies;
  /** Answer the next `times` requests whose path matches (a string: exactly; a RegExp: the path or path?query) with a `Status` error (403, 404, 500, ...). */
  failNext(path: RegExp | string, code: number, reason?: string, message?: string, times?: number): void;
  /** Accept the next matching request and never answer it (a hung API server). */
  hangNext(path: RegExp | string, times?: number): void;
  /** Forget the watch history: resuming from any older resourceVersion now gets 410 Expired. */
  compact(): void;
  /** End every open watch with an ERROR 410 Expired event (what a real server does when a watcher falls too far behind). */
  expireWatches(): void;
  /** Open watch streams. */
  readonly watchers: number;
  close(): Promise<void>;
}

interface Entry {
  obj: KubernetesObject;
  /** JSON without kind/apiVersion, as list items are sent. */
  json: string;
}
interface Change {
  rv: number;
  resource: ResourceName;
  type: WatchEventType;
  entry: Entry;
  prev?: Entry;
}
interface Watcher {
  resource: ResourceName;
  namespace?: string;
  matches: (o: KubernetesObject) => boolean;
  write: (type: string, entry: Entry) => void;
  /** End the stream with an ERROR 410 Expired event. */
  expire: () => void;
}
interface Injection {
  path: RegExp | string;
  times: number;
  code: number; // 0 = hang
  reason?: string;
  message?: string;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};
const PATH = /^\/(?:api|apis\/(apps|superset\.apache\.org))\/(?:v1|v1alpha1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/;

/** Timestamps as the API server writes them: RFC 3339, whole seconds. */
function toJson(o: unknown): string {
  return JSON.stringify(o, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    // Not `instanceof Date`: structuredClone may return Dates of another realm (jest's vm contexts).
    return Object.prototype.toString.call(raw) === '[object Date]' ? (raw as Date).toISOString().replace(/\.\d{3}Z$/, 'Z') : value;
  });
}

export function statusBody(
  code: number,
  message: string,
  reason = REASONS[code] ?? 'Unknown',
  details?: { name?: string; kind?: string; group?: string },
): string {
  return toJson({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

export async function startFakeKubeApi(opts: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const historyLimit = opts.historyLimit ?? 10_000;
  const bookmarkMs = opts.bookmarkIntervalMs ?? 60_000;
  const store = new Map<ResourceName, Map<string, Entry>>(Object.keys(RESOURCES).map((r) => [r as ResourceName, new Map()]));
  const history: Change[] = [];
  const watchers = new Set<Watcher>();
  const injections: Injection[] = [];
  const requestLog: string[] = [];
  let rv = 1;
  let compactedRv = 0; // watches from below this get 410
  let requests = 0;
  const namespaces = new Set<string>();
  const logs = new PodLogs();
  const leases = new LeaseStore();
  const proxies = new ServiceProxies();

  const withKind = (resource: ResourceName, json: string): string => {
    const { kind, groupVersion } = RESOURCES[resource];
    return `{"kind":"${kind}","apiVersion":"${groupVersion}"${json.length > 2 ? ',' : ''}${json.slice(1)}`;
  };

  function record(resource: ResourceName, type: WatchEventType, entry: Entry, prev?: Entry): void {
    const change: Change = { rv, resource, type, entry, prev };
    history.push(change);
    if (history.length > historyLimit) compactedRv = history.splice(0, history.length - historyLimit).at(-1)!.rv;
    for (const w of watchers) deliver(w, change);
  }

  function deliver(w: Watcher, c: Change): void {
    if (w.resource !== c.resource || (w.namespace && c.entry.obj.metadata?.namespace !== w.namespace)) return;
    const now = w.matches(c.entry.obj);
    const before = c.type === 'MODIFIED' && c.prev !== undefined && w.matches(c.prev.obj);
    // Like the watch cache: an object that starts or stops matching the selector is ADDED / DELETED.
    let type: string | undefined;
    if (c.type === 'MODIFIED') type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    else if (now) type = c.type;
    if (type) w.write(type, c.entry);
  }

  function put(resource: ResourceName, input: KubernetesObject): void {
    const md = input.metadata ?? {};
    if (!md.name) throw new Error(`${RESOURCES[resource].kind} without metadata.name`);
    const namespace = md.namespace ?? 'default';
    namespaces.add(namespace);
    const key = `${namespace}/${md.name}`;
    const prev = store.get(resource)!.get(key);
    rv++;
    const obj = structuredClone(input);
    obj.metadata = { ...obj.metadata, namespace, resourceVersion: String(rv) };
    delete obj.kind;
    delete obj.apiVersion;
    const entry = { obj, json: toJson(obj) };
    store.get(resource)!.set(key, entry);
    record(resource, prev ? 'MODIFIED' : 'ADDED', entry, prev);
    if (resource === 'deployments') keepReplicaSets(obj as V1Deployment);
  }

  /** What the Deployment controller does: the current template's ReplicaSet follows the deployment, older ones go to 0. */
  function keepReplicaSets(d: V1Deployment): void {
    const current = replicaSetFor(d);
    for (const e of store.get('replicasets')!.values()) {
      const owner = e.obj.metadata?.ownerReferences?.[0];
      if (e.obj.metadata?.namespace !== d.metadata?.namespace || owner?.uid !== d.metadata?.uid || e.obj.metadata?.name === current.metadata?.name) continue;
      const rs = e.obj as V1ReplicaSet;
      if (rs.spec?.replicas === 0) continue;
      const scaledDown: V1ReplicaSet = {
        ...rs,
        spec: { ...rs.spec!, replicas: 0 },
        status: { replicas: 0, observedGeneration: rs.status?.observedGeneration },
      };
      put('replicasets', scaledDown);
    }
    put('replicasets', current);
  }

  function remove(resource: ResourceName, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const prev = store.get(resource)!.get(key);
    if (!prev) return;
    store.get(resource)!.delete(key);
    rv++;
    const obj = structuredClone(prev.obj);
    obj.metadata = { ...obj.metadata, resourceVersion: String(rv) };
    record(resource, 'DELETED', { obj, json: toJson(obj) });
    // Garbage collection: a deleted deployment takes its ReplicaSets with it.
    if (resource === 'deployments')
      for (const e of [...store.get('replicasets')!.values()])
        if (e.obj.metadata?.ownerReferences?.some((o) => o.uid === prev.obj.metadata?.uid)) remove('replicasets', namespace, e.obj.metadata!.name!);
  }

  function replace(resource: ResourceName, namespace: string, objs: KubernetesObject[]): void {
    namespaces.add(namespace);
    const keep = new Set(objs.map((o) => o.metadata?.name));
    for (const e of [...store.get(resource)!.values()]) {
      if (e.obj.metadata?.namespace === namespace && !keep.has(e.obj.metadata.name)) remove(resource, namespace, e.obj.metadata.name!);
    }
    for (const o of objs) put(resource, { ...o, metadata: { ...o.metadata, namespace } });
  }

  const server = createServer((req, res) => {
    requests++;
    requestLog.push(`${req.method} ${req.url}`);
    if (requestLog.length > 1000) requestLog.shift();
    try {
      handle(req, res);
    } catch (err) {
      send(res, 500, statusBody(500, `Internal error occurred: ${(err as Error).message}`));
    }
  });

  function send(res: ServerResponse, code: number, body: string, contentType = 'application/json'): void {
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private' });
    res.end(body);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;

    // A string matches the path exactly; a RegExp the path or the path with its query (`/watch=true/`).
    const inj = injections.find((i) => (typeof i.path === 'string' ? path === i.path : i.path.test(path) || i.path.test(req.url ?? '')));
    if (inj) {
      if (--inj.times <= 0) injections.splice(injections.indexOf(inj), 1);
      if (inj.code === 0) return; // hang: never answer
      return send(res, inj.code, statusBody(inj.code, inj.message ?? defaultMessage(inj.code, req, path), inj.reason));
    }
    if (serveLeases(req, res, path, leases, send, statusBody)) return;
    if (servePodLog(req, res, path, q, (namespace, name) => store.get('pods')!.get(`${namespace}/${name}`)?.obj, logs, send, statusBody)) return;
    const deploymentStore = {
      get: (namespace: string, name: string) => store.get('deployments')!.get(`${namespace}/${name}`)?.obj,
      put: (d: KubernetesObject) => put('deployments', d),
    };
    if (serveDeploymentPatch(req, res, path, deploymentStore, send, statusBody)) return;
    if (
      serveScale(
        req,
        res,
        path,
        { get: (namespace, name) => store.get('deployments')!.get(`${namespace}/${name}`)?.obj, put: (d) => put('deployments', d) },
        send,
        statusBody,
      )
    )
      return;
    if (serveServiceProxy(req, res, path, proxies, send, statusBody)) return;
    const supersets = {
      get: (namespace: string, name: string) => store.get('supersets')!.get(`${namespace}/${name}`)?.obj,
      put: (o: KubernetesObject) => put('supersets', o),
      read: (namespace: string, name: string) => withKind('supersets', store.get('supersets')!.get(`${namespace}/${name}`)!.json),
    };
    if (serveSupersetPatch(req, res, path, supersets, send, statusBody)) return;
    if (req.method !== 'GET') return send(res, 405, statusBody(405, `the server does not allow this method on the requested resource`));

    const discovery = discoveryResponse(path, req.headers.accept ?? '', `${req.socket.localAddress}:${req.socket.localPort}`);
    if (discovery) return send(res, 200, discovery.body, discovery.contentType);

    const wantsTable = (req.headers.accept ?? '').includes('as=Table');
    const ns = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(path);
    if (ns) {
      // Namespaces exist when something was put in them; kubectl reads one after a 404 to word its error.
      if (!ns[1])
        return send(
          res,
          200,
          toJson({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: [...namespaces].sort().map(namespaceObject) }),
        );
      const name = decodeURIComponent(ns[1]);
      if (!namespaces.has(name)) return send(res, 404, statusBody(404, `namespaces "${name}" not found`, 'NotFound', { name, kind: 'namespaces' }));
      return send(res, 200, toJson({ kind: 'Namespace', apiVersion: 'v1', ...namespaceObject(name) }));
    }

    const m = PATH.exec(path);
    const resource = m?.[3] as ResourceName | undefined;
    const def = resource ? RESOURCES[resource] : undefined;
    if (!m || !def || (m[1] ?? '') !== def.group || !path.startsWith(def.group ? `/apis/${def.groupVersion}/` : '/api/v1/'))
      return send(res, 404, statusBody(404, 'the server could not find the requested resource', 'NotFound', {}));
    const namespace = m[2] ? decodeURIComponent(m[2]) : undefined;
    const name = m[4] ? decodeURIComponent(m[4]) : undefined;

    if (name) {
      if (!namespace) return send(res, 404, statusBody(404, 'the server could not find the requested resource', 'NotFound', {}));
      const e = store.get(resource!)!.get(`${namespace}/${name}`);
      if (!e)
        return send(
          res,
          404,
          statusBody(404, `${def.group ? `${resource}.${def.group}` : resource} "${name}" not found`, 'NotFound', {
            name,
            ...(def.group ? { group: def.group } : {}),
            kind: resource,
          }),
        );
      if (wantsTable && hasTable(resource!))
        return send(res, 200, toJson(toTable(resource!, [withKindObject(resource!, e.obj)], String(rv), includeObject(q))), TABLE_CONTENT_TYPE);
      return send(res, 200, withKind(resource!, e.json));
    }

    let labels: Selector;
    let fields: (o: KubernetesObject) => boolean;
    try {
      labels = parseLabelSelector(q.get('labelSelector') ?? '');
    } catch (err) {
      if (!(err instanceof LabelSelectorError)) throw err;
      return send(res, 400, statusBody(400, err.message));
    }
    try {
      fields = parseFieldSelector(q.get('fieldSelector') ?? '', resource!);
    } catch (err) {
      return send(res, 400, statusBody(400, (err as Error).message));
    }
    const matches = (o: KubernetesObject): boolean => matchesSelector(labels, o.metadata?.labels) && fields(o);
    const current = [...store.get(resource!)!.values()]
      .filter((e) => (!namespace || e.obj.metadata?.namespace === namespace) && matches(e.obj))
      .sort((a, b) => cmp(a.obj.metadata!.namespace!, b.obj.metadata!.namespace!) || cmp(a.obj.metadata!.name!, b.obj.metadata!.name!));

    const table = wantsTable && hasTable(resource!);
    if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(req, res, resource!, namespace, matches, current, q, table);
    if (table)
      return send(
        res,
        200,
        toJson(
          toTable(
            resource!,
            current.map((e) => withKindObject(resource!, e.obj)),
            String(rv),
            includeObject(q),
          ),
        ),
        TABLE_CONTENT_TYPE,
      );
    const body = `{"kind":"${def.listKind}","apiVersion":"${def.groupVersion}","metadata":{"resourceVersion":"${rv}"},"items":[${current.map((e) => e.json).join(',')}]}`;
    send(res, 200, body);
  }

  function watch(
    req: IncomingMessage,
    res: ServerResponse,
    resource: ResourceName,
    namespace: string | undefined,
    matches: (o: KubernetesObject) => boolean,
    current: Entry[],
    q: URLSearchParams,
    table: boolean,
  ): void {
    const fromParam = q.get('resourceVersion') ?? '';
    const from = Number(fromParam);
    if (fromParam !== '' && !Number.isInteger(from))
      return send(res, 400, statusBody(400, `resourceVersion: Invalid value: "${fromParam}": must be an integer`, 'BadRequest'));
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '1800');

    res.writeHead(200, {
      'Content-Type': table ? TABLE_CONTENT_TYPE : 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    const line = (type: string, objJson: string): void => void res.write(`{"type":"${type}","object":${objJson}}\n`);
    // With as=Table every event carries a one-row Table.
    const write = (type: string, e: Entry): void =>
      line(
        type,
        table ? toJson(toTable(resource, [withKindObject(resource, e.obj)], e.obj.metadata!.resourceVersion!, includeObject(q))) : withKind(resource, e.json),
      );
    const bookmark = (annotations?: Record<string, string>): void => {
      const { kind, groupVersion } = RESOURCES[resource];
      line('BOOKMARK', toJson({ kind, apiVersion: groupVersion, metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) } }));
    };

    if (fromParam === '' || fromParam === '0' || q.get('sendInitialEvents') === 'true') {
      // Like resourceVersion="" / "0": the current state as ADDED events, then changes.
      for (const e of current) write('ADDED', e);
      if (q.get('sendInitialEvents') === 'true') bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else if (from < compactedRv) {
      line('ERROR', statusBody(410, `too old resource version: ${from} (${compactedRv + 1})`, 'Expired'));
      return void res.end();
    }
    const expire = (): void => {
      line('ERROR', statusBody(410, `too old resource version: ${fromParam || 0} (${rv})`, 'Expired'));
      res.end();
    };
    const w: Watcher = { resource, namespace, matches, write, expire };
    if (fromParam !== '' && fromParam !== '0') for (const c of history) if (c.rv > from) deliver(w, c);
    watchers.add(w);

    const timers = [
      setTimeout(
        () => {
          if (bookmarks) bookmark();
          res.end();
        },
        Math.max(timeoutSeconds, 0) * 1000,
      ),
      ...(bookmarks ? [setInterval(() => bookmark(), bookmarkMs)] : []),
    ];
    const stop = (): void => {
      watchers.delete(w);
      timers.forEach((t) => clearTimeout(t));
    };
    res.on('close', stop);
    req.on('close', stop);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  const api: FakeKubeApi = {
    url: `http://${host}:${addr.port}`,
    get requests() {
      return requests;
    },
    requestLog,
    logs,
    leases,
    get resourceVersion() {
      return rv;
    },
    setPods: (ns, pods) => replace('pods', ns, pods),
    upsertPod: (pod) => put('pods', pod),
    deletePod: (ns, name) => remove('pods', ns, name),
    setDeployments: (ns, deps) => replace('deployments', ns, deps),
    upsertDeployment: (dep) => put('deployments', dep),
    setEvents: (ns, events) => replace('events', ns, events),
    load(seed) {
      for (const [resource, objs] of [
        ['pods', seed.pods],
        ['deployments', seed.deployments],
        ['events', seed.events],
      ] as const) {
        for (const o of objs) put(resource, o as KubernetesObject);
      }
    },
    proxies,
    upsertSuperset: (cr) => put('supersets', cr),
    getSuperset: (ns, name) => {
      const e = store.get('supersets')!.get(`${ns}/${name}`);
      return e && (JSON.parse(withKind('supersets', e.json)) as KubernetesObject);
    },
    getPod: (ns, name) => {
      const e = store.get('pods')!.get(`${ns}/${name}`);
      return e && (JSON.parse(withKind('pods', e.json)) as KubernetesObject);
    },
    failNext: (path, code, reason, message, times = 1) => void injections.push({ path, code, reason, message, times }),
    hangNext: (path, times = 1) => void injections.push({ path, code: 0, times }),
    compact() {
      history.length = 0;
      compactedRv = rv;
    },
    expireWatches() {
      for (const w of [...watchers]) {
        watchers.delete(w);
        w.expire();
      }
    },
    get watchers() {
      return watchers.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  if (opts.seed) api.load(opts.seed);
  return api;
}

/** Namespaces are old: a year before the server started. */
const NAMESPACE_CREATED = new Date(Math.floor(Date.now() / 1000) * 1000 - 365 * 86400_000);
function namespaceObject(name: string): object {
  return {
    metadata: {
      name,
      creationTimestamp: NAMESPACE_CREATED,
      uid: `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`,
      resourceVersion: '1',
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** `includeObject` of a Table request: kubectl asks for whole objects when it sorts (`--sort-by`) or prints custom columns. */
function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'Object' || v === 'None' ? v : 'Metadata';
}

function withKindObject(resource: ResourceName, o: KubernetesObject): KubernetesObject {
  return { kind: RESOURCES[resource].kind, apiVersion: RESOURCES[resource].groupVersion, ...o };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The Status message the real server gives for an injected error code. */
function defaultMessage(code: number, req: IncomingMessage, path: string): string {
  const m = PATH.exec(path);
  const resource = m?.[3] ?? 'resource';
  const group = m?.[1] ?? '';
  const verb = m?.[4] ? 'get' : new URL(req.url ?? '/', 'http://fake').searchParams.get('watch') ? 'watch' : 'list';
  switch (code) {
    case 401:
      return 'Unauthorized';
    case 403:
      return `${resource}${m?.[4] ? ` "${m[4]}"` : ''} is forbidden: User "system:serviceaccount:deckhand:deckhand" cannot ${verb} resource "${resource}" in API group "${group}" ${m?.[2] ? `in the namespace "${m[2]}"` : 'at the cluster scope'}`;
    case 404:
      return m?.[4] ? `${resource} "${m[4]}" not found` : 'the server could not find the requested resource';
    case 429:
      return 'Too many requests, please try again later.';
    case 503:
      return 'the server is currently unable to handle the request';
    case 504:
      return 'Timeout: request did not complete within the allotted timeout';
    default:
      return `Internal error occurred: injected ${code}`;
  }
}

/** Field selectors with the labels the API server supports for the kind (kube-api-logs.ts fieldGetter); `=`, `==`, `!=`. */
function parseFieldSelector(s: string, resource: ResourceName): (o: KubernetesObject) => boolean {
  const tests = s
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const m = /^\s*([A-Za-z.]+)\s*(==|=|!=)\s*([^\s]*)\s*$/.exec(part);
      if (!m) throw new Error(`invalid selector: '${s}'; can't understand '${part}'`);
      const [, field, op, value] = m as unknown as [string, string, string, string];
      const get = fieldGetter(resource, field);
      if (!get) throw new Error(`field label not supported: ${field}`);
      return (o: KubernetesObject) => (get(o) === value) === (op !== '!=');
    });
  return (o) => tests.every((t) => t(o));
}
