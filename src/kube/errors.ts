// What can go wrong talking to Kubernetes, as typed errors with one short line for chat.
// `kubeError` turns whatever client-node throws (ApiException, undici's "fetch failed",
// an aborted request, a watch's status error) into one of these.
import { ClusterUnavailableError, UserError } from '../core/errors.js';

/** Where a request went: for messages like "superset-next on dse-k8s-eqiad". */
export interface KubeTarget {
  context?: string;
  namespace: string;
  /** e.g. "list pods" */
  action: string;
}

export function describeTarget(t: Pick<KubeTarget, 'context' | 'namespace'>): string {
  return t.context ? `${t.namespace} on ${t.context}` : t.namespace;
}

/** 401 or 403: the API server refused Deckhand's credentials or role. `detail` is the server's message. */
export class KubeForbiddenError extends UserError {
  override name = 'KubeForbiddenError';
  constructor(
    readonly target: KubeTarget,
    readonly code: 401 | 403,
    readonly detail?: string,
  ) {
    super(
      code === 401
        ? `the Kubernetes API for ${describeTarget(target)} rejected Deckhand's credentials (401 Unauthorized)`
        : `Deckhand may not ${target.action} in ${describeTarget(target)} (403 Forbidden)`,
    );
  }
}

export class KubeNotFoundError extends UserError {
  override name = 'KubeNotFoundError';
  constructor(
    readonly target: KubeTarget,
    readonly detail?: string,
  ) {
    super(`${detail ?? 'not found'} (${describeTarget(target)})`);
  }
}

/** 400/422: the request itself is wrong, e.g. a malformed label selector in the config. */
export class KubeBadRequestError extends UserError {
  override name = 'KubeBadRequestError';
  constructor(
    readonly target: KubeTarget,
    readonly detail?: string,
  ) {
    super(`the Kubernetes API refused to ${target.action} in ${describeTarget(target)}: ${detail ?? 'bad request'}`);
  }
}

/** A pod's log cannot be read as asked (a 400 on pods/log): no previous container, waiting to start, which container. */
export class PodLogUnavailableError extends UserError {
  override name = 'PodLogUnavailableError';
  constructor(
    readonly target: KubeTarget,
    readonly pod: string,
    readonly detail?: string,
  ) {
    super(`no log for ${pod}: ${detail ?? 'the API server refused to read it'}`);
  }
}

/** The kubeconfig cannot work as written (found at the first request when it changed after start). */
export class KubeConfigProblemError extends UserError {
  override name = 'KubeConfigProblemError';
}

export class KubeContextError extends UserError {
  override name = 'KubeContextError';
  constructor(readonly context: string) {
    super(`no Kubernetes context "${context}" in the kubeconfig`);
  }
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out',
  UND_ERR_BODY_TIMEOUT: 'timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate not trusted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** The first `code` / `name` along an error's cause chain (undici nests them, Node uses AggregateError). */
function findCode(err: unknown, depth = 0): { code?: string; name?: string } {
  if (!err || typeof err !== 'object' || depth > 5) return {};
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (e.name === 'TimeoutError') return { name: 'TimeoutError' };
  if (typeof e.code === 'string' && e.code in NETWORK) return { code: e.code };
  const inner = findCode(e.cause, depth + 1);
  if (inner.code || inner.name) return inner;
  if (Array.isArray(e.errors))
    for (const x of e.errors) {
      const r = findCode(x, depth + 1);
      if (r.code || r.name) return r;
    }
  return typeof e.code === 'string' ? { code: e.code } : {};
}

/** HTTP status and the Status message from an ApiException (`code`, `body`) or a Watch error (`statusCode`). */
function httpStatus(err: unknown): { status: number; message?: string; reason?: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; headers?: unknown };
  // ApiException has code + body + headers; a Watch error has statusCode. (A DOMException also
  // has a numeric `code`: 23 for TimeoutError, so `code` alone is not an HTTP status.)
  const status = typeof e.code === 'number' && ('body' in e || 'headers' in e) ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined) return undefined;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const s = body && typeof body === 'object' ? (body as { message?: unknown; reason?: unknown }) : {};
  return { status, message: typeof s.message === 'string' ? s.message : undefined, reason: typeof s.reason === 'string' ? s.reason : undefined };
}

/** Map anything thrown by client-node to a typed error; UserErrors pass through; unknown errors are returned as they are. */
export function kubeError(err: unknown, target: KubeTarget, timeoutMs: number): Error {
  if (err instanceof UserError) return err;
  const where = describeTarget(target);
  const http = httpStatus(err);
  if (http) {
    const { status, message, reason } = http;
    if (status === 401 || status === 403) return new KubeForbiddenError(target, status, message);
    if (status === 404) return new KubeNotFoundError(target, message);
    if (status === 400 || status === 422) return new KubeBadRequestError(target, message);
    return new ClusterUnavailableError(`the Kubernetes API for ${where} answered ${status}${reason ? ` ${reason}` : ''}`, { cause: err });
  }
  const { code, name } = findCode(err);
  if (name === 'TimeoutError')
    return new ClusterUnavailableError(`cannot reach the Kubernetes API for ${where} (timed out after ${seconds(timeoutMs)})`, { cause: err });
  if (code && NETWORK[code]) return new ClusterUnavailableError(`cannot reach the Kubernetes API for ${where} (${NETWORK[code]})`, { cause: err });
  // client-node's own refusal of an http:// server (a `kubectl proxy`), thrown before any request
  if (err instanceof Error && err.message.startsWith('HTTP protocol is not allowed'))
    return new KubeConfigProblemError(
      `the kubeconfig's cluster for ${where} is plain http://, which the Kubernetes client only talks to with insecure-skip-tls-verify: true on that cluster (as for kubectl proxy)`,
    );
  if (err instanceof TypeError && err.message === 'fetch failed')
    return new ClusterUnavailableError(`cannot reach the Kubernetes API for ${where} (${code ?? 'network error'})`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
