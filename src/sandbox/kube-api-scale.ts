// The deployment scale subresource for the fake Kubernetes API server (kube-api.ts calls in here
// with one hook): GET/PUT/PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name}/scale, kind Scale
// (autoscaling/v1: spec.replicas, status.replicas, status.selector as a string). `kubectl scale`
// reads the deployment, then PATCHes its scale with a merge patch. Like a controller that is done at
// once, a new spec.replicas is also the deployment's status (replicas, ready, available, updated).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

const SCALE_PATH = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/;
const SCALE_VERBS = ['get', 'patch', 'update'];

/** What discovery lists for it: the legacy APIResourceList entry and the aggregated subresource. */
export const SCALE_DISCOVERY = {
  legacy: { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SCALE_VERBS },
  aggregated: { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SCALE_VERBS },
};

type Send = (res: ServerResponse, code: number, body: string, contentType?: string) => void;
type Status = (code: number, message: string, reason?: string, details?: { name?: string; kind?: string; group?: string }) => string;

export interface ScaleStore {
  get(namespace: string, name: string): KubernetesObject | undefined;
  put(deployment: KubernetesObject): void;
}

function scaleOf(d: V1Deployment): object {
  const md = d.metadata!;
  const selector = Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: md.name, namespace: md.namespace, uid: md.uid, resourceVersion: md.resourceVersion, creationTimestamp: md.creationTimestamp },
    spec: { replicas: d.spec?.replicas ?? 1 },
    status: { replicas: d.status?.replicas ?? 0, selector },
  };
}

/** The replicas a PUT body or a patch asks for (merge / strategic merge / JSON patch), or an error message. */
function wanted(contentType: string, body: unknown, method: string): number | string | undefined {
  if (method === 'PATCH' && contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(body)) return 'the JSON patch must be a list of operations';
    const op = (body as { op?: string; path?: string; value?: unknown }[]).find((o) => o.path === '/spec/replicas' && (o.op === 'replace' || o.op === 'add'));
    return op ? (op.value as number) : undefined;
  }
  const spec = (body as { spec?: { replicas?: unknown } } | null)?.spec;
  return spec?.replicas as number | undefined;
}

/** Serve `deployments/{name}/scale` when `path` is one; false for any other path. */
export function serveScale(req: IncomingMessage, res: ServerResponse, path: string, store: ScaleStore, send: Send, status: Status): boolean {
  const m = SCALE_PATH.exec(path);
  if (!m) return false;
  const namespace = decodeURIComponent(m[1]!);
  const name = decodeURIComponent(m[2]!);
  const notFound = () => send(res, 404, status(404, `deployments.apps "${name}" not found`, 'NotFound', { name, group: 'apps', kind: 'deployments' }));
  const method = req.method ?? 'GET';
  if (!['GET', 'PUT', 'PATCH'].includes(method)) {
    send(res, 405, status(405, 'the server does not allow this method on the requested resource'));
    return true;
  }
  if (method === 'GET') {
    const d = store.get(namespace, name) as V1Deployment | undefined;
    if (!d) notFound();
    else send(res, 200, JSON.stringify(scaleOf(d)));
    return true;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const d = store.get(namespace, name) as V1Deployment | undefined;
    if (!d) return notFound();
    const contentType = req.headers['content-type'] ?? '';
    if (method === 'PATCH' && !/^application\/(merge-patch|strategic-merge-patch|json-patch)\+json/.test(contentType)) {
      return send(
        res,
        415,
        status(
          415,
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
          'UnsupportedMediaType',
        ),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
    } catch (err) {
      return send(res, 400, status(400, `error decoding patch: ${(err as Error).message}`, 'BadRequest'));
    }
    if (method === 'PUT') {
      const rv = (body as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
      if (rv && rv !== d.metadata?.resourceVersion) {
        return send(
          res,
          409,
          status(
            409,
            `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            'Conflict',
            { name, group: 'apps', kind: 'deployments' },
          ),
        );
      }
    }
    const n = wanted(contentType, body, method);
    if (typeof n === 'string') return send(res, 400, status(400, n, 'BadRequest'));
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
      return send(
        res,
        422,
        status(
          422,
          `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(n)}: must be greater than or equal to 0`,
          'Invalid',
          { name, group: 'autoscaling', kind: 'Scale' },
        ),
      );
    }
    if (n !== undefined && n !== d.spec?.replicas) {
      const next = structuredClone(d);
      next.spec = { ...next.spec!, replicas: n };
      next.status = { ...next.status, replicas: n, readyReplicas: n, availableReplicas: n, updatedReplicas: n };
      if (n === 0) for (const k of ['readyReplicas', 'availableReplicas', 'updatedReplicas'] as const) delete next.status[k];
      store.put(next);
    }
    send(res, 200, JSON.stringify(scaleOf(store.get(namespace, name) as V1Deployment)));
  });
  return true;
}
