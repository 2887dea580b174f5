// The Superset operator's custom resource in the fake Kubernetes API server: `supersets`, group
// superset.apache.org, version v1alpha1 (apache/superset-kubernetes-operator). List, get and watch are
// the generic ones of kube-api.ts (the resource is in discovery.ts's RESOURCES); this file adds PATCH
// (what `kubectl annotate superset …` and Deckhand's approve-upgrade send: a JSON merge patch; custom
// resources have no strategic merge patch) and a builder for a CR's status as the operator writes it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubernetesObject } from '@kubernetes/client-node';
import { mergePatch } from './kube-api-patch.js';

export const SUPERSET_GROUP = 'superset.apache.org';
export const SUPERSET_VERSION = 'v1alpha1';
const CR_PATH = /^\/apis\/superset\.apache\.org\/v1alpha1\/namespaces\/([^/]+)\/supersets\/([^/]+)$/;

type Send = (res: ServerResponse, code: number, body: string, contentType?: string) => void;
type Status = (code: number, message: string, reason?: string, details?: { name?: string; kind?: string; group?: string }) => string;

export interface CustomStore {
  get(namespace: string, name: string): KubernetesObject | undefined;
  put(o: KubernetesObject): void;
  /** The stored object as the API sends it (kind, apiVersion, resourceVersion). */
  read(namespace: string, name: string): string;
}

/** Serve PATCH of `supersets/{name}`; false for any other request. */
export function serveSupersetPatch(req: IncomingMessage, res: ServerResponse, path: string, store: CustomStore, send: Send, status: Status): boolean {
  const m = CR_PATH.exec(path);
  if (!m || req.method !== 'PATCH') return false;
  const namespace = decodeURIComponent(m[1]!);
  const name = decodeURIComponent(m[2]!);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const current = store.get(namespace, name);
    if (!current)
      return send(res, 404, status(404, `supersets.${SUPERSET_GROUP} "${name}" not found`, 'NotFound', { name, group: SUPERSET_GROUP, kind: 'supersets' }));
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/merge-patch+json') && !contentType.startsWith('application/json-patch+json')) {
      return send(
        res,
        415,
        status(
          415,
          contentType.startsWith('application/strategic-merge-patch+json')
            ? 'strategic merge patch is not supported for custom resources'
            : 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
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
    if (contentType.startsWith('application/json-patch+json')) {
      const annotated = annotationsFromJsonPatch(patch);
      if (typeof annotated === 'string') return send(res, 422, status(422, annotated, 'Invalid'));
      patch = annotated;
    }
    const asked = (patch as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
    if (asked && asked !== current.metadata?.resourceVersion) {
      return send(
        res,
        409,
        status(
          409,
          `Operation cannot be fulfilled on supersets.${SUPERSET_GROUP} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          'Conflict',
          { name, group: SUPERSET_GROUP, kind: 'supersets' },
        ),
      );
    }
    // `status` is a subresource: a patch of the main resource leaves it alone, as do name and namespace.
    const { status: _s, ...rest } = (patch ?? {}) as Record<string, unknown>;
    const next = mergePatch(current, rest) as KubernetesObject;
    next.metadata = { ...next.metadata, name, namespace };
    if ('status' in current) (next as { status?: unknown }).status = (current as { status?: unknown }).status;
    store.put(next);
    send(res, 200, store.read(namespace, name));
  });
  return true;
}

/** The one JSON patch shape clients send for annotations: add/replace/remove of /metadata/annotations/<key>. */
function annotationsFromJsonPatch(ops: unknown): object | string {
  if (!Array.isArray(ops)) return 'the JSON patch must be a list of operations';
  const annotations: Record<string, string | null> = {};
  for (const op of ops as { op?: string; path?: string; value?: unknown }[]) {
    const m = /^\/metadata\/annotations\/(.+)$/.exec(op.path ?? '');
    if (!m) return `this server patches annotations only (got ${op.op} ${op.path})`;
    const key = m[1]!.replaceAll('~1', '/').replaceAll('~0', '~');
    annotations[key] = op.op === 'remove' ? null : String(op.value);
  }
  return { metadata: { annotations } };
}

export type SupersetPhase = 'Initializing' | 'Upgrading' | 'Running' | 'Degraded' | 'Suspended' | 'Blocked' | 'AwaitingApproval';

export interface SupersetShape {
  namespace: string;
  name: string;
  phase: SupersetPhase;
  tag: string;
  /** Per component: [readyReplicas, desired]; default webServer 2/2. */
  components?: Record<string, { phase?: string; ready: number; desired: number; message?: string }>;
  /** Lifecycle tasks' state and attempts. */
  tasks?: Record<string, { state: string; attempts: number; message?: string }>;
  /** Supervised upgrade waiting for approval. */
  upgrade?: { fromTag: string; toTag: string; approvalToken: string };
  annotations?: Record<string, string>;
  message?: string;
  generation?: number;
}

const CONDITION_AT = '2026-11-30T09:00:00Z';

/** A `Superset` object as the operator would have written its status. */
export function makeSuperset(s: SupersetShape): KubernetesObject {
  const components = s.components ?? { webServer: { ready: 2, desired: 2 } };
  const ready = Object.values(components).reduce((n, c) => n + c.ready, 0);
  const desired = Object.values(components).reduce((n, c) => n + c.desired, 0);
  const image = `apache/superset:${s.tag}`;
  const cond = (type: string, on: boolean, reason: string, message = '') => ({
    type,
    status: on ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: CONDITION_AT,
    observedGeneration: s.generation ?? 1,
  });
  return {
    apiVersion: `${SUPERSET_GROUP}/${SUPERSET_VERSION}`,
    kind: 'Superset',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      generation: s.generation ?? 1,
      uid: `5e7e75e7-0000-4000-8000-${Buffer.from(`${s.namespace}/${s.name}`).toString('hex').padEnd(12, '0').slice(0, 12)}`,
      creationTimestamp: new Date('2026-10-01T08:00:00Z'),
      ...(s.annotations ? { annotations: s.annotations } : {}),
    },
    spec: {
      image: { repository: 'apache/superset', tag: s.upgrade?.toTag ?? s.tag },
      ...(s.upgrade ? { upgradeMode: 'Supervised' } : {}),
      webServer: { replicas: components.webServer?.desired ?? 1 },
    },
    status: {
      phase: s.phase,
      ready: `${ready}/${desired}`,
      tag: s.tag,
      observedGeneration: s.generation ?? 1,
      ...(s.message ? { message: s.message } : {}),
      conditions: [
        cond('Ready', s.phase === 'Running', s.phase, s.message),
        cond('Progressing', s.phase === 'Upgrading' || s.phase === 'Initializing', s.phase),
        cond('Degraded', s.phase === 'Degraded', s.phase, s.phase === 'Degraded' ? (s.message ?? '') : ''),
        cond('Suspended', s.phase === 'Suspended', s.phase),
        cond('Available', ready > 0, ready > 0 ? 'MinimumReplicasAvailable' : 'NoReplicasAvailable'),
      ],
      components: Object.fromEntries(
        Object.entries(components).map(([k, c]) => [
          k,
          {
            phase: c.phase ?? (c.ready >= c.desired ? 'Ready' : 'Progressing'),
            readyReplicas: c.ready,
            availableReplicas: c.ready,
            updatedReplicas: c.desired,
            image,
            ...(c.message ? { message: c.message } : {}),
          },
        ]),
      ),
      lifecycle: {
        phase: s.upgrade ? 'AwaitingApproval' : Object.values(s.tasks ?? {}).some((t) => t.state !== 'Complete') ? 'Running' : 'Complete',
        maintenanceActive: false,
        ...Object.fromEntries(
          Object.entries(s.tasks ?? {}).map(([k, t]) => [k, { state: t.state, attempts: t.attempts, ...(t.message ? { message: t.message } : {}) }]),
        ),
        ...(s.upgrade ? { upgrade: s.upgrade } : {}),
      },
    },
  } as KubernetesObject;
}
