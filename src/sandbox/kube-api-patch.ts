// PATCH of a deployment for the fake Kubernetes API server (kube-api.ts calls in here with one hook):
// PATCH /apis/apps/v1/namespaces/{ns}/deployments/{name} with a JSON merge patch (RFC 7386) or a
// strategic merge patch, read as a merge patch except that container lists merge by name (what
// `kubectl set image` needs); the sandbox's helm (helm-tool.ts) sends merge patches, `kubectl rollout
// restart` an annotation on the template. A changed
// pod template bumps metadata.generation and the revision annotation, as the real controller does;
// src/sandbox/controller.ts then rolls the pods.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

const DEPLOYMENT_PATH = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/;

type Send = (res: ServerResponse, code: number, body: string, contentType?: string) => void;
type Status = (code: number, message: string, reason?: string, details?: { name?: string; kind?: string; group?: string }) => string;

export interface DeploymentStore {
  get(namespace: string, name: string): KubernetesObject | undefined;
  put(deployment: KubernetesObject): void;
}

/** Lists a strategic merge patch merges item by item, by this key (the rest are replaced). */
const MERGE_BY: Record<string, string> = { containers: 'name', initContainers: 'name' };

/** RFC 7386: objects merge key by key, null deletes, anything else (lists too) replaces; `strategic`: container lists merge by name. */
export function mergePatch(target: unknown, patch: unknown, strategic = false): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    const key = MERGE_BY[k];
    if (v === null) delete out[k];
    else if (strategic && key && Array.isArray(v) && Array.isArray(out[k])) {
      const items = [...(out[k] as Record<string, unknown>[])];
      for (const item of v as Record<string, unknown>[]) {
        const at = items.findIndex((x) => x[key] === item[key]);
        if (at >= 0) items[at] = mergePatch(items[at], item, true) as Record<string, unknown>;
        else items.push(item);
      }
      out[k] = items;
    } else out[k] = mergePatch(out[k], v, strategic);
  }
  return out;
}

/** Serve a deployment PATCH when `path` and the method are one; false for anything else. */
export function serveDeploymentPatch(req: IncomingMessage, res: ServerResponse, path: string, store: DeploymentStore, send: Send, status: Status): boolean {
  const m = DEPLOYMENT_PATH.exec(path);
  if (!m || req.method !== 'PATCH') return false;
  const namespace = decodeURIComponent(m[1]!);
  const name = decodeURIComponent(m[2]!);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const d = store.get(namespace, name) as V1Deployment | undefined;
    if (!d) return send(res, 404, status(404, `deployments.apps "${name}" not found`, 'NotFound', { name, group: 'apps', kind: 'deployments' }));
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/(merge-patch|strategic-merge-patch)\+json/.test(contentType)) {
      return send(
        res,
        415,
        status(
          415,
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`,
          'UnsupportedMediaType',
        ),
      );
    }
    let patch: unknown;
    try {
      patch = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
    } catch (err) {
      return send(res, 400, status(400, `error decoding patch: ${(err as Error).message}`, 'BadRequest'));
    }
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return send(res, 400, status(400, 'the patch must be a JSON object', 'BadRequest'));
    // What the client may not change: identity, and the status (a subresource of its own).
    const { metadata: pm, status: _status, ...rest } = patch as { metadata?: Record<string, unknown>; status?: unknown };
    const { name: _n, namespace: _ns, uid: _u, resourceVersion: _rv, ...metaPatch } = pm ?? {};
    const next = mergePatch(structuredClone(d), { ...rest, metadata: metaPatch }, contentType.startsWith('application/strategic-merge-patch')) as V1Deployment;
    const containers = next.spec?.template?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0 || containers.some((c) => !c?.name || !c.image)) {
      return send(
        res,
        422,
        status(422, `Deployment.apps "${name}" is invalid: spec.template.spec.containers: Required value`, 'Invalid', {
          name,
          group: 'apps',
          kind: 'Deployment',
        }),
      );
    }
    const replicas = next.spec?.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
      return send(
        res,
        422,
        status(
          422,
          `Deployment.apps "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          'Invalid',
          {
            name,
            group: 'apps',
            kind: 'Deployment',
          },
        ),
      );
    }
    const templateChanged = JSON.stringify(next.spec?.template) !== JSON.stringify(d.spec?.template);
    if (templateChanged || JSON.stringify(next.spec) !== JSON.stringify(d.spec)) {
      const generation = (d.metadata?.generation ?? 1) + 1;
      next.metadata = { ...next.metadata, generation };
      if (templateChanged) {
        const revision = Number(d.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '1') + 1;
        next.metadata.annotations = { ...next.metadata.annotations, 'deployment.kubernetes.io/revision': String(revision) };
      }
      next.status = { ...next.status, observedGeneration: generation };
      store.put(next);
    }
    const stored = store.get(namespace, name)!;
    send(res, 200, JSON.stringify({ kind: 'Deployment', apiVersion: 'apps/v1', ...stored }));
  });
  return true;
}
