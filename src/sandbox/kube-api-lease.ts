// Leases (coordination.k8s.io/v1) for the fake Kubernetes API server: what leader election needs, as
// the API server does it. GET/POST on the namespace's collection, GET/PUT/DELETE on one lease. Every
// write moves the lease to a new resourceVersion; a PUT that carries an older one is refused with 409
// Conflict (optimistic concurrency), a POST of a name that exists with 409 AlreadyExists, a PUT of a
// lease that does not exist with 404 (leases are not created by update).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { V1Lease } from '@kubernetes/client-node';

const ITEM = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/;
const GROUP = 'coordination.k8s.io';

type Send = (res: ServerResponse, code: number, body: string, contentType?: string) => void;
type Status = (code: number, message: string, reason?: string, details?: { name?: string; kind?: string; group?: string }) => string;

export class LeaseStore {
  private readonly leases = new Map<string, V1Lease>();
  private version = 1000;

  get(namespace: string, name: string): V1Lease | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  list(namespace: string): V1Lease[] {
    return [...this.leases.values()].filter((l) => l.metadata?.namespace === namespace);
  }

  /** Store a lease at a new resourceVersion (keeps uid and creation time of the one it replaces). */
  put(namespace: string, name: string, body: V1Lease): V1Lease {
    const before = this.get(namespace, name);
    const lease: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...body.metadata,
        name,
        namespace,
        uid: before?.metadata?.uid ?? `lease-${++this.version}`,
        creationTimestamp: before?.metadata?.creationTimestamp ?? new Date(),
        resourceVersion: String(++this.version),
      },
      spec: body.spec ?? {},
    };
    this.leases.set(`${namespace}/${name}`, lease);
    return lease;
  }

  delete(namespace: string, name: string): boolean {
    return this.leases.delete(`${namespace}/${name}`);
  }
}

/** JSON as the API server writes it: MicroTime fields with microseconds. */
function toJson(o: unknown): string {
  return JSON.stringify(o, (_k, v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v) ? v.replace('Z', '000Z') : v));
}

/** Serve the leases API when `path` is on it; false for any other path. */
export function serveLeases(req: IncomingMessage, res: ServerResponse, path: string, store: LeaseStore, send: Send, status: Status): boolean {
  const m = ITEM.exec(path);
  if (!m) return false;
  const namespace = decodeURIComponent(m[1]!);
  const name = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  const method = req.method ?? 'GET';
  const notFound = (n: string) => send(res, 404, status(404, `leases.${GROUP} "${n}" not found`, 'NotFound', { name: n, group: GROUP, kind: 'leases' }));
  if (method === 'GET') {
    if (name === undefined) {
      return (send(res, 200, toJson({ kind: 'LeaseList', apiVersion: `${GROUP}/v1`, metadata: { resourceVersion: '1' }, items: store.list(namespace) })), true);
    }
    const lease = store.get(namespace, name);
    if (!lease) notFound(name);
    else send(res, 200, toJson(lease));
    return true;
  }
  if (method === 'DELETE' && name !== undefined) {
    if (!store.delete(namespace, name)) notFound(name);
    else send(res, 200, toJson({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: GROUP, kind: 'leases' } }));
    return true;
  }
  if (!((method === 'POST' && name === undefined) || (method === 'PUT' && name !== undefined))) {
    send(res, 405, status(405, 'the server does not allow this method on the requested resource'));
    return true;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: V1Lease;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as V1Lease;
    } catch (err) {
      return send(res, 400, status(400, `error decoding body: ${(err as Error).message}`, 'BadRequest'));
    }
    const bodyName = body?.metadata?.name;
    if (method === 'POST') {
      if (!bodyName)
        return send(res, 422, status(422, `Lease.${GROUP} "" is invalid: metadata.name: Required value: name or generateName is required`, 'Invalid'));
      if (store.get(namespace, bodyName)) {
        return send(res, 409, status(409, `leases.${GROUP} "${bodyName}" already exists`, 'AlreadyExists', { name: bodyName, group: GROUP, kind: 'leases' }));
      }
      return send(res, 201, toJson(store.put(namespace, bodyName, body)));
    }
    if (bodyName && bodyName !== name) {
      return send(res, 400, status(400, `the name of the object (${bodyName}) does not match the name on the URL (${name})`, 'BadRequest'));
    }
    const cur = store.get(namespace, name!);
    if (!cur) return notFound(name!);
    const rv = body.metadata?.resourceVersion;
    if (rv && rv !== cur.metadata?.resourceVersion) {
      return send(
        res,
        409,
        status(
          409,
          `Operation cannot be fulfilled on leases.${GROUP} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          'Conflict',
          { name: name!, group: GROUP, kind: 'leases' },
        ),
      );
    }
    send(res, 200, toJson(store.put(namespace, name!, body)));
  });
  return true;
}
