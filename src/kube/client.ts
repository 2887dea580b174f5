// The only place Deckhand talks to Kubernetes (@kubernetes/client-node 2.x, undici fetch).
// One KubeConfig is loaded once; a per-context copy is cached. Every request carries an
// AbortSignal.timeout, and failures become the typed errors of ./errors.ts.
//
// Memory: client-node's main entry loads every API group and every model (~75 MB in a process). This file takes
// only the pieces it uses, from their own files (client-node 2.x has no `exports` map, so dist/* is public), and
// sends requests through `request`/`exchange` below, reading JSON itself (./wire.ts) — no generated API class,
// no ObjectSerializer. Code added here or in new files under src/kube: import values from the same dist/*
// files (config.js, watch.js, cache.js, gen/http/*, gen/servers.js, gen/apis/exception.js), never from
// '@kubernetes/client-node' itself or an API class (`import type` from it is free); build calls on `request`.
// Processes load this file through ./slim.ts, which keeps dist/config.js from pulling in the rest.
import { ListWatch } from '@kubernetes/client-node/dist/cache.js';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { IsomorphicFetchHttpLibrary } from '@kubernetes/client-node/dist/gen/http/isomorphic-fetch.js';
import { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { CoreV1Event, KubernetesListObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { InFlight } from './coalesce.js';
import { reviveDeployment, reviveEvent, revivePod } from './wire.js';
import { KubeBadRequestError, KubeContextError, kubeError, PodLogUnavailableError, type KubeTarget } from './errors.js';

export type PodEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A deployment's scale subresource: spec.replicas (asked for) and status.replicas (running). */
export interface DeploymentScale {
  replicas: number;
  current: number;
}

const scalePath = (namespace: string, name: string) =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}/scale`;

function scaleFrom(body: string): DeploymentScale {
  const s = JSON.parse(body) as { spec?: { replicas?: number }; status?: { replicas?: number } };
  return { replicas: s.spec?.replicas ?? 0, current: s.status?.replicas ?? 0 };
}

/** A custom resource's coordinates: group, version, plural. */
export interface CustomResource {
  group: string;
  version: string;
  plural: string;
}
const customPath = (r: CustomResource, namespace: string, name: string) =>
  `/apis/${r.group}/${r.version}/namespaces/${encodeURIComponent(namespace)}/${r.plural}/${encodeURIComponent(name)}`;

/** What a service answered through the proxy. */
export interface ProxyAnswer {
  code: number;
  body: string;
  contentType: string;
}

export interface KubeClientOptions {
  /** Per request, connection to last byte. */
  timeoutMs: number;
  /** A watch asks the server to end after this long and is then resumed; a silent watch for longer than this plus timeoutMs is an error. Default 300. */
  watchTimeoutSeconds?: number;
}

interface ContextClients {
  kc: KubeConfig;
}

/** Load the kubeconfig once (the given file, else $KUBECONFIG, ~/.kube/config or in-cluster) and wrap it. */
export function createKubeClients(opts: { kubeconfig?: string; timeoutMs: number; watchTimeoutSeconds?: number }): KubeClient {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  return new KubeClient(kc, opts);
}

/**
 * An in-memory KubeConfig for a plain-http API server (the sandbox, tests). `contexts` all point
 * at it, the first is current (default ["sandbox"]). client-node refuses http:// servers unless
 * the cluster has skipTLSVerify set, so it is set for http URLs.
 */
export function kubeConfigForUrl(url: string, contexts: string[] = ['sandbox']): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server: url, skipTLSVerify: url.startsWith('http:') }],
    users: [{ name: 'deckhand', token: 'sandbox' }],
    contexts: contexts.map((name) => ({ name, cluster: 'sandbox', user: 'deckhand', namespace: 'default' })),
    currentContext: contexts[0],
  });
  return kc;
}

/** kubectl-style YAML for a KubeConfig (to write a file for kubectl or helm). */
export function kubeConfigYaml(kc: KubeConfig): string {
  return kc.exportConfig();
}

export class KubeClient {
  private readonly clients = new Map<string, ContextClients>();
  private readonly inFlight = new InFlight();
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly pools = new Map<string, ReturnType<RequestContext['getDispatcher']>>();
  private readonly timeoutMs: number;
  private readonly watchTimeoutSeconds: number;

  constructor(
    private readonly kc: KubeConfig,
    opts: KubeClientOptions,
  ) {
    this.timeoutMs = opts.timeoutMs;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds ?? 300;
  }

  listPods(context: string | undefined, namespace: string, selector: string): Promise<V1Pod[]> {
    return this.inFlight.run(`pods\0${context ?? ''}\0${namespace}\0${selector}`, () => this.fetchPods(context, namespace, selector));
  }

  private async fetchPods(context: string | undefined, namespace: string, selector: string): Promise<V1Pod[]> {
    const items = await this.list(context, { namespace, action: 'list pods' }, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, selector);
    return items.map(revivePod);
  }

  async getPod(context: string | undefined, namespace: string, name: string): Promise<V1Pod> {
    const target = { context, namespace, action: 'get pods' };
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
    return revivePod(JSON.parse(await this.request(context, target, path, {}, 'application/json')) as Record<string, unknown>);
  }

  listDeployments(context: string | undefined, namespace: string, selector: string): Promise<V1Deployment[]> {
    return this.inFlight.run(`deployments\0${context ?? ''}\0${namespace}\0${selector}`, () => this.fetchDeployments(context, namespace, selector));
  }

  private async fetchDeployments(context: string | undefined, namespace: string, selector: string): Promise<V1Deployment[]> {
    const items = await this.list(
      context,
      { namespace, action: 'list deployments' },
      `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`,
      selector,
    );
    return items.map(reviveDeployment);
  }

  /** Warning (or all) events of a namespace, optionally about one object: `involvedObject.name/kind` and `type` field selectors. */
  async listEvents(
    context: string | undefined,
    namespace: string,
    o: { type?: 'Warning' | 'Normal'; name?: string; kind?: string } = {},
  ): Promise<CoreV1Event[]> {
    const fields = [o.kind && `involvedObject.kind=${o.kind}`, o.name && `involvedObject.name=${o.name}`, o.type && `type=${o.type}`].filter(Boolean).join(',');
    const body = await this.request(
      context,
      { namespace, action: 'list events' },
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      { fieldSelector: fields },
      'application/json',
    );
    return ((JSON.parse(body) as { items?: Record<string, unknown>[] }).items ?? []).map(reviveEvent);
  }

  /**
   * The tail of one container's log (text/plain). A 400 (no previous container, a container that is
   * waiting to start, a container name that is needed or wrong) is a PodLogUnavailableError carrying
   * the server's message.
   */
  async podLog(
    context: string | undefined,
    namespace: string,
    pod: string,
    o: { container?: string; tailLines?: number; previous?: boolean; limitBytes?: number } = {},
  ): Promise<string> {
    const query: Record<string, string> = {};
    if (o.container) query.container = o.container;
    if (o.tailLines !== undefined) query.tailLines = String(o.tailLines);
    if (o.previous) query.previous = 'true';
    if (o.limitBytes !== undefined) query.limitBytes = String(o.limitBytes);
    const target: KubeTarget = { context, namespace, action: 'read pod logs' };
    try {
      return await this.request(
        context,
        target,
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
        query,
        'text/plain, application/json',
      );
    } catch (err) {
      if (err instanceof KubeBadRequestError) throw new PodLogUnavailableError(target, pod, err.detail);
      throw err;
    }
  }

  /** A deployment's scale subresource (autoscaling/v1 Scale): the replicas asked for, and running. */
  async getScale(context: string | undefined, namespace: string, name: string): Promise<DeploymentScale> {
    const body = await this.request(context, { namespace, action: `read the scale of deployment ${name}` }, scalePath(namespace, name), {}, 'application/json');
    return scaleFrom(body);
  }

  /** Sets a deployment's replicas through its scale subresource, with a merge patch (as kubectl scale does). */
  async scaleDeployment(context: string | undefined, namespace: string, name: string, replicas: number): Promise<DeploymentScale> {
    const body = await this.request(context, { namespace, action: `scale deployment ${name}` }, scalePath(namespace, name), {}, 'application/json', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ spec: { replicas } }),
    });
    return scaleFrom(body);
  }

  /** A list call (label selector) read as plain JSON. */
  private async list(
    context: string | undefined,
    t: { namespace: string; action: string },
    path: string,
    labelSelector: string,
  ): Promise<Record<string, unknown>[]> {
    const body = await this.request(context, t, path, { labelSelector }, 'application/json');
    return (JSON.parse(body) as { items?: Record<string, unknown>[] }).items ?? [];
  }

  /**
   * A GET built the way the generated API builds it (server, auth and TLS from the kubeconfig
   * through the public KubeConfig.applySecurityAuthentication), the body returned as text; a
   * status outside 2xx is a typed error.
   */
  private async request(
    context: string | undefined,
    t: { namespace: string; action: string },
    path: string,
    query: Record<string, string>,
    accept: string,
    write?: { method: 'PATCH' | 'PUT'; contentType: string; body: string },
  ): Promise<string> {
    const target: KubeTarget = { context, ...t };
    const res = await this.exchange(context, target, path, query, accept, write);
    if (res.code < 200 || res.code > 299) throw kubeError(new ApiException(res.code, `HTTP ${res.code}`, res.body, res.headers), target, this.timeoutMs);
    return res.body;
  }

  /** One request, answered with whatever status it got; only failing to get an answer (in `timeoutMs`) throws. */
  private async exchange(
    context: string | undefined,
    target: KubeTarget,
    path: string,
    query: Record<string, string>,
    accept: string,
    write?: { method: 'PATCH' | 'PUT'; contentType: string; body: string },
    timeoutMs = this.timeoutMs,
  ): Promise<ProxyAnswer & { headers: Record<string, string> }> {
    try {
      const { kc } = this.forContext(context);
      const server = kc.getCurrentCluster()?.server;
      if (!server) throw new KubeContextError(context ?? kc.getCurrentContext());
      const ctx = new ServerConfiguration(server, {}).makeRequestContext(path, (write?.method ?? 'GET') as never);
      for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
      ctx.setHeaderParam('Accept', accept);
      if (write) {
        ctx.setHeaderParam('Content-Type', write.contentType);
        ctx.setBody(write.body);
      }
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      await kc.applySecurityAuthentication(ctx);
      // client-node makes a new connection pool (undici Agent) for every request: a TCP and TLS
      // handshake per call. Headers (tokens may rotate) are applied each time; the pool is kept.
      const fresh = ctx.getDispatcher();
      if (fresh) {
        const key = context ?? kc.getCurrentContext();
        let pool = this.pools.get(key);
        if (!pool) this.pools.set(key, (pool = fresh));
        ctx.setDispatcher(pool);
      }
      const res = await this.http.send(ctx).toPromise();
      const body = await res.body.text();
      return { code: res.httpStatusCode, body, contentType: res.headers['content-type'] ?? '', headers: res.headers };
    } catch (err) {
      throw kubeError(err, target, timeoutMs);
    }
  }

  /** A namespaced custom object (e.g. the Superset operator's CR) as plain JSON. */
  async getCustomObject(context: string | undefined, r: CustomResource, namespace: string, name: string): Promise<Record<string, unknown>> {
    const body = await this.request(context, { namespace, action: `get ${r.plural}` }, customPath(r, namespace, name), {}, 'application/json');
    return JSON.parse(body) as Record<string, unknown>;
  }

  /** A JSON merge patch of a custom object (custom resources have no strategic merge patch); the object after it. */
  async mergePatchCustomObject(
    context: string | undefined,
    r: CustomResource,
    namespace: string,
    name: string,
    patch: object,
  ): Promise<Record<string, unknown>> {
    const body = await this.request(context, { namespace, action: `patch ${r.plural}` }, customPath(r, namespace, name), {}, 'application/json', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: JSON.stringify(patch),
    });
    return JSON.parse(body) as Record<string, unknown>;
  }

  /**
   * GET through the API server's service proxy (`services/[scheme:]name:port/proxy/path`): the application's
   * answer whatever its HTTP status (a health endpoint's 503 is an answer); the API server's own refusals
   * (no such service, no endpoints) come back the same way, as its `Status` JSON. Times out after `timeoutMs`.
   */
  async proxyGet(
    context: string | undefined,
    namespace: string,
    p: { service: string; port: number | string; path: string; scheme?: 'http' | 'https' },
    timeoutMs: number,
  ): Promise<ProxyAnswer> {
    // the colons of [scheme:]name:port stay as they are (the path kubectl and the API docs use)
    const name = [...(p.scheme === 'https' ? ['https'] : []), p.service, String(p.port)].map(encodeURIComponent).join(':');
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${name}/proxy${p.path}`;
    const { code, body, contentType } = await this.exchange(
      context,
      { context, namespace, action: `reach service ${p.service}` },
      path,
      {},
      '*/*',
      undefined,
      timeoutMs,
    );
    return { code, body, contentType };
  }

  /**
   * List, then watch, the pods matching `selector`: `onEvent` gets ADDED for every current pod,
   * then each change. Server-side ends and 410 Expired are resumed/relisted inside (client-node's
   * ListWatch); any other failure goes to `onError` once, typed, and the watch stops (the caller
   * decides whether to retry). Rejects when the first list or watch fails. Returns the stop function.
   */
  async watchPods(
    context: string | undefined,
    namespace: string,
    selector: string,
    onEvent: (type: PodEventType, pod: V1Pod) => void,
    onError: (err: Error) => void,
  ): Promise<() => void> {
    const target: KubeTarget = { context, namespace, action: 'watch pods' };
    const { kc } = this.forContext(context);
    const watch = new ResumingWatch(kc, this.watchTimeoutSeconds, this.timeoutMs, target);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    const list = async (): Promise<KubernetesListObject<V1Pod>> => {
      const body = JSON.parse(await this.request(context, target, path, selector ? { labelSelector: selector } : {}, 'application/json')) as {
        metadata?: KubernetesListObject<V1Pod>['metadata'];
        items?: Record<string, unknown>[];
      };
      return { ...(body.metadata ? { metadata: body.metadata } : {}), items: (body.items ?? []).map(revivePod) };
    };
    // ListWatch's reconnect back-off does not look at stop(): a delay that stop() cancels (and never resolves) keeps it from reconnecting after a stop.
    const delays = new Set<() => void>();
    const delayFn = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => (delays.delete(cancel), resolve()), ms);
        const cancel = (): void => clearTimeout(t);
        delays.add(cancel);
      });
    const lw = new ListWatch<V1Pod>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, watch, list, false, selector || undefined, undefined, {
      delayFn,
    });
    let stopped = false;
    let starting = true;
    let startError: Error | undefined;
    lw.on('add', (pod) => stopped || onEvent('ADDED', pod));
    lw.on('update', (pod) => stopped || onEvent('MODIFIED', pod));
    lw.on('delete', (pod) => stopped || onEvent('DELETED', pod));
    lw.on('error', (err) => {
      // ListWatch reports the abort caused by stop() as an error too: ignore it.
      if (stopped) return;
      const e = kubeError(err, target, this.timeoutMs);
      if (starting) startError ??= e;
      else {
        stop();
        onError(e);
      }
    });
    const stop = (): void => {
      stopped = true;
      delays.forEach((cancel) => cancel());
      watch.stop();
      void lw.stop();
    };
    await lw.start();
    starting = false;
    if (startError) {
      stop();
      throw startError;
    }
    return stop;
  }

  private forContext(context: string | undefined): ContextClients {
    const name = context ?? this.kc.getCurrentContext();
    let c = this.clients.get(name);
    if (!c) {
      if (!this.kc.getContextObject(name)) throw new KubeContextError(name);
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: this.kc.getClusters(), contexts: this.kc.getContexts(), users: this.kc.getUsers(), currentContext: name });
      c = { kc };
      this.clients.set(name, c);
    }
    return c;
  }
}

/**
 * client-node's Watch with four changes: stop() aborts every request, even one still connecting; watch objects are deserialized like list items; it asks the server for bookmarks and to end the watch
 * after `timeoutSeconds` (ListWatch then resumes from the last resourceVersion), and its
 * inactivity timer (default 30s, also the only connect timeout) is set above that, so that
 * a TimeoutError means a silent server, reported as ClusterUnavailableError instead of being
 * retried forever by ListWatch.
 */
class ResumingWatch extends Watch {
  private stopped = false;
  private readonly open = new Set<AbortController>();

  constructor(
    config: KubeConfig,
    private readonly timeoutSeconds: number,
    private readonly timeoutMs: number,
    private readonly target: KubeTarget,
  ) {
    super(config);
    (this as unknown as { requestTimeoutMs: number }).requestTimeoutMs = timeoutSeconds * 1000 + timeoutMs;
  }

  override watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const params = { ...query, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds };
    // Watch hands over raw JSON (timestamps as strings): pods get their Dates as list results do (./wire.ts).
    const typed = (phase: string, obj: unknown, raw?: unknown): void => {
      const o = obj as { kind?: string } | undefined;
      callback(phase, phase !== 'BOOKMARK' && phase !== 'ERROR' && o?.kind === 'Pod' ? revivePod(o as Record<string, unknown>) : obj, raw);
    };
    if (this.stopped) return Promise.resolve(new AbortController());
    let controller: AbortController | undefined;
    const finished = (err: unknown): void => {
      if (controller) this.open.delete(controller);
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      done(timedOut ? kubeError(err, this.target, this.timeoutSeconds * 1000 + this.timeoutMs) : err);
    };
    return super.watch(path, params, typed, finished).then((c) => {
      controller = c;
      // ListWatch.stop() only aborts the request it already holds: one still connecting is aborted here.
      if (this.stopped) c.abort();
      else if (!c.signal.aborted) this.open.add(c);
      return c;
    });
  }

  stop(): void {
    this.stopped = true;
    this.open.forEach((c) => c.abort());
    this.open.clear();
  }
}
