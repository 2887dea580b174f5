// The service proxy of the fake Kubernetes API server: `/api/v1/namespaces/{ns}/services/[scheme:]name[:port]/proxy/{path}`
// forwarded to an HTTP server a test starts (the real server forwards to one of the service's endpoints).
// What is wrong on the way is a `Status` like the real one's: no such service (404), no port of that name or
// nothing listening (503). An upstream that never answers is not answered either (the client's timeout decides).
import { request, type IncomingMessage, type ServerResponse } from 'node:http';

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/;

type Send = (res: ServerResponse, code: number, body: string, contentType?: string) => void;
type Status = (code: number, message: string, reason?: string, details?: { name?: string; kind?: string; group?: string }) => string;

/** Services that can be proxied to: `namespace/name` → port (number or name) → the upstream base URL. */
export class ServiceProxies {
  private readonly services = new Map<string, Map<string, string>>();

  /** Route `name:port` in `namespace` to `upstream` (http://127.0.0.1:PORT); a named port may be given as well as its number. */
  set(namespace: string, name: string, ports: (number | string)[], upstream: string): void {
    const key = `${namespace}/${name}`;
    const byPort = this.services.get(key) ?? new Map<string, string>();
    for (const p of ports) byPort.set(String(p), upstream.replace(/\/+$/, ''));
    this.services.set(key, byPort);
  }

  delete(namespace: string, name: string): void {
    this.services.delete(`${namespace}/${name}`);
  }

  /** The upstream for a port ('' = the service's only port), null when the service has no such port, undefined when there is no service. */
  lookup(namespace: string, name: string, port: string): string | null | undefined {
    const byPort = this.services.get(`${namespace}/${name}`);
    if (!byPort) return undefined;
    if (port === '') return new Set(byPort.values()).size === 1 ? [...byPort.values()][0]! : null;
    return byPort.get(port) ?? null;
  }
}

/** Serve a service proxy request; false for any other path. */
export function serveServiceProxy(req: IncomingMessage, res: ServerResponse, path: string, proxies: ServiceProxies, send: Send, status: Status): boolean {
  const m = PROXY_PATH.exec(path);
  if (!m) return false;
  const namespace = decodeURIComponent(m[1]!);
  // [scheme:]name[:port]
  const parts = decodeURIComponent(m[2]!).split(':');
  if (parts.length === 3 || (parts.length === 2 && /^https?$/.test(parts[0]!))) parts.shift();
  const [name = '', port = ''] = parts;
  const upstream = proxies.lookup(namespace, name, port);
  if (upstream === undefined) {
    send(res, 404, status(404, `services "${name}" not found`, 'NotFound', { name, kind: 'services' }));
    return true;
  }
  if (upstream === null) {
    send(res, 503, status(503, `no endpoints available for service "${port ? `${name}:${port}` : name}"`, 'ServiceUnavailable'));
    return true;
  }
  const query = new URL(req.url ?? '/', 'http://fake').search;
  const target = new URL(`${upstream}${m[3] ?? '/'}${query}`);
  const out = request(target, { method: req.method ?? 'GET', headers: { accept: req.headers.accept ?? '*/*' } }, (up) => {
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'content-length', 'cache-control']) {
      const v = up.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    res.writeHead(up.statusCode ?? 502, headers);
    up.pipe(res);
  });
  out.on('error', (err) => {
    if (res.headersSent) return void res.destroy();
    send(res, 503, status(503, `error trying to reach service: ${err.message}`, 'ServiceUnavailable'));
  });
  // the client gave up (its timeout): so does the proxy
  res.on('close', () => out.destroy());
  req.pipe(out);
  return true;
}
