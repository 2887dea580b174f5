// The sandbox cluster's Deployment controller: when a deployment's pod template changes (a sandbox
// helm upgrade or rollback, a restart's annotation) its pods are replaced by new ones, which start as
// ContainerCreating and are Ready a moment later, before the old ones go; when only its replicas
// change (stop/start), pods are added or removed. It watches the fake API's deployments through its own
// REST watch (and re-reads them now and then), so it sees exactly what kubectl and Deckhand see. The
// seeded pods count as current at start.
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { makePod } from './fixtures.js';
import type { FakeKubeApi } from './kube-api.js';

export interface ControllerOptions {
  /** How often deployments are read (ms). */
  pollMs?: number;
  /** How long a new pod takes to be Ready (ms). */
  startMs?: number;
}

export interface SandboxController {
  stop(): void;
}

interface Seen {
  template: string;
  replicas: number;
}

const selectorOf = (d: V1Deployment): string =>
  Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function startController(api: FakeKubeApi, o: ControllerOptions = {}): SandboxController {
  const pollMs = o.pollMs ?? 2000;
  const startMs = o.startMs ?? 1500;
  const seen = new Map<string, Seen>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let seq = 0;

  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(api.url + path);
    return (await r.json()) as T;
  };
  const later = (ms: number, f: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) f();
    }, ms);
    timers.add(t);
  };

  const podsOf = async (d: V1Deployment): Promise<V1Pod[]> => {
    const ns = d.metadata!.namespace!;
    const list = await get<{ items: V1Pod[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selectorOf(d))}`);
    // the pods whose ReplicaSet is this deployment's: `<deployment>-<hash>`
    return list.items.filter((p) => p.metadata?.ownerReferences?.some((r) => r.kind === 'ReplicaSet' && r.name.startsWith(`${d.metadata!.name}-`)));
  };

  const newPod = (d: V1Deployment, ready: boolean, name?: string): V1Pod => {
    const t = d.spec!.template;
    const containers = t.spec!.containers;
    const pod = makePod({
      namespace: d.metadata!.namespace!,
      labels: { ...t.metadata?.labels },
      image: containers[0]!.image!,
      deployment: d.metadata!.name!,
      containers: containers.map((c) => c.name),
      seed: `${Date.now()}-${++seq}`,
      ageSeconds: 0,
      ...(name ? { name } : {}),
      ...(ready ? {} : { waiting: 'ContainerCreating' as const }),
    });
    pod.metadata!.annotations = { ...pod.metadata!.annotations, ...t.metadata?.annotations };
    return pod;
  };

  /** The deployment's status from its pods now, as the controller writes it. */
  const settle = async (d: V1Deployment) => {
    const ns = d.metadata!.namespace!;
    const fresh = await get<V1Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/${d.metadata!.name}`);
    const pods = await podsOf(fresh);
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    const replicas = fresh.spec?.replicas ?? 1;
    const status: V1Deployment['status'] = {
      ...fresh.status,
      observedGeneration: fresh.metadata?.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: pods.length,
    };
    status.readyReplicas = ready;
    status.availableReplicas = ready;
    if (replicas - ready > 0) status.unavailableReplicas = replicas - ready;
    else delete status.unavailableReplicas;
    if (!ready) for (const k of ['readyReplicas', 'availableReplicas'] as const) delete status[k];
    const { kind: _k, apiVersion: _a, ...obj } = { ...fresh, status };
    api.upsertDeployment(obj);
  };

  /** Start n new pods; once Ready, delete `replaced`. */
  const rollOut = (d: V1Deployment, n: number, replaced: V1Pod[]) => {
    const fresh = Array.from({ length: n }, () => newPod(d, false));
    for (const p of fresh) api.upsertPod(p);
    later(startMs, () => {
      for (const p of fresh) api.upsertPod(newPod(d, true, p.metadata!.name!));
      for (const p of replaced) api.deletePod(p.metadata!.namespace!, p.metadata!.name!);
      void settle(d).catch(() => {});
    });
  };

  const reconcile = async (d: V1Deployment, before: Seen, now: Seen) => {
    const pods = await podsOf(d);
    if (now.template !== before.template) return rollOut(d, now.replicas, pods);
    if (now.replicas > pods.length) return rollOut(d, now.replicas - pods.length, []);
    // scale down: the youngest go first
    const extra = [...pods]
      .sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)))
      .slice(0, pods.length - now.replicas);
    for (const p of extra) api.deletePod(p.metadata!.namespace!, p.metadata!.name!);
    await settle(d);
  };

  let running = false;
  let again = false;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (running) return void (again = true); // a change during a pass: one more pass after it
    running = true;
    try {
      const list = await get<{ items: KubernetesObject[] }>('/apis/apps/v1/deployments');
      for (const item of list.items as V1Deployment[]) {
        const key = `${item.metadata!.namespace}/${item.metadata!.name}`;
        const now: Seen = { template: JSON.stringify(item.spec?.template ?? {}), replicas: item.spec?.replicas ?? 1 };
        const before = seen.get(key);
        seen.set(key, now);
        if (before && (before.template !== now.template || before.replicas !== now.replicas)) await reconcile(item, before, now);
      }
    } catch {
      // the API is closing, or answered an injected error: try again at the next tick
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      await tick();
    }
  };
  // a change is seen at once through a watch; the periodic re-read covers a watch that ended
  const watcher = new AbortController();
  const watch = async () => {
    while (!stopped) {
      try {
        const r = await fetch(`${api.url}/apis/apps/v1/deployments?watch=true&timeoutSeconds=300`, { signal: watcher.signal });
        const decoder = new TextDecoder();
        for await (const chunk of r.body as AsyncIterable<Uint8Array>) if (decoder.decode(chunk, { stream: true }).includes('"MODIFIED"')) void tick();
      } catch {
        if (!stopped) await new Promise((res) => setTimeout(res, 500));
      }
    }
  };
  const interval = setInterval(() => void tick(), pollMs);
  interval.unref();
  void tick().then(() => void watch());
  return {
    stop() {
      stopped = true;
      watcher.abort();
      clearInterval(interval);
      for (const t of timers) clearTimeout(t);
    },
  };
}
