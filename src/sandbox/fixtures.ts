// Realistic Kubernetes objects for the sandbox cluster, tests and benchmarks.
// Everything is deterministic (names, uids, digests come from hashes of the inputs), so a
// fixture built twice is the same object, apart from timestamps relative to `now`.
import { createHash } from 'node:crypto';
import type { CoreV1Event, V1ContainerStatus, V1Deployment, V1Pod, V1PodCondition, V1ReplicaSet } from '@kubernetes/client-node';

export const REGISTRY = 'docker-registry.discovery.wmnet';
export const SUPERSET_IMAGE = image(`${REGISTRY}/repos/data-engineering/superset`, '2026-02-16-150514-b1a59e3aa1338ab93a8fff9291fb01936bba3c5c');
export const SUPERSET_NEXT_IMAGE = image(`${REGISTRY}/repos/data-engineering/superset`, '2026-06-02-091245-4c0e2d8a51f7b3e9d6a2c8f01b5e7d3a9c4f6e28');
export const AIRFLOW_IMAGE = image(
  `${REGISTRY}/repos/data-engineering/airflow`,
  'airflow-2.11.2-py3.11-2026-06-10-101532-7d2f9a4c1e8b6d3f0a5c9e2b7d4f1a8c6e3b0d95',
);
export const ENVOY_IMAGE = `${REGISTRY}/envoy:1.23.10-3`;
export const PAWS_HUB_IMAGE = 'quay.io/wikimedia-paws-prod/paws-hub:pr-501';

export type WaitingReason = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'ContainerCreating';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodOptions {
  namespace: string;
  /** Full pod name; default `<deployment>-<pod-template-hash>-<5 chars>`. */
  name?: string;
  labels: Record<string, string>;
  /** Image of the first (main) container. */
  image: string;
  /** Owning Deployment (the ReplicaSet is `<deployment>-<hash>`); default labels.app ?? 'app'. */
  deployment?: string;
  /** Container names, the first is the main one; default `[deployment]`. Others run ENVOY_IMAGE, healthy. */
  containers?: string[];
  /** Main container ready (default true unless waiting). */
  ready?: boolean;
  /** Main container restart count (default 0, or 17 in CrashLoopBackOff). */
  restarts?: number;
  waiting?: WaitingReason;
  phase?: PodPhase;
  ageSeconds?: number;
  node?: string;
  /** Varies the generated name/uids between otherwise identical pods. */
  seed?: string | number;
  now?: Date;
}

/** `repo:tag@sha256:<64 hex>`, the digest derived from the tag. */
export function image(repo: string, tag: string): string {
  return `${repo}:${tag}@sha256:${hex(`${repo}:${tag}`, 64)}`;
}

export function makePod(o: PodOptions): V1Pod {
  const now = o.now ?? new Date();
  const age = o.ageSeconds ?? 3 * 86400;
  const created = secondsBefore(now, age);
  const deployment = o.deployment ?? o.labels.app ?? 'app';
  const m = o.name ? /^(.*)-([a-z0-9]{5})$/.exec(o.name) : null;
  const rsName = m ? m[1]! : `${deployment}-${safe(`${o.namespace}/${deployment}/${o.image}`, 10)}`;
  const hash = rsName.slice(rsName.lastIndexOf('-') + 1);
  const name = o.name ?? `${rsName}-${safe(`${rsName}/${o.seed ?? ''}`, 5)}`;
  const node = o.node ?? `dse-k8s-worker10${String(1 + (parseInt(hex(name, 4), 16) % 9)).padStart(2, '0')}.eqiad.wmnet`;
  const uid = uuid(`pod/${o.namespace}/${name}`);
  const names = o.containers ?? [deployment];
  const waiting = o.waiting;
  const phase: PodPhase = o.phase ?? (waiting === 'ImagePullBackOff' || waiting === 'ContainerCreating' ? 'Pending' : 'Running');
  const mainReady = phase === 'Running' && !waiting && (o.ready ?? true);
  const restarts = o.restarts ?? (waiting === 'CrashLoopBackOff' ? 17 : 0);
  const started = secondsBefore(now, Math.max(age - 20, 0));

  const statuses: V1ContainerStatus[] = names.map((cname, i) => {
    const img = i === 0 ? o.image : ENVOY_IMAGE;
    const containerID = `containerd://${hex(`${uid}/${cname}/${restarts}`, 64)}`;
    const base: V1ContainerStatus = {
      name: cname,
      image: img,
      imageID: imageID(img),
      containerID,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: started } },
      lastState: {},
    };
    if (i > 0)
      return phase === 'Pending'
        ? { ...base, imageID: '', containerID: undefined, ready: false, started: false, state: { waiting: { reason: 'PodInitializing' } } }
        : base;
    if (waiting === 'CrashLoopBackOff') {
      const finished = secondsBefore(now, 95);
      return {
        ...base,
        ready: false,
        started: false,
        restartCount: restarts,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${cname} pod=${name}_${o.namespace}(${uid})` } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: secondsBefore(now, 101), finishedAt: finished, containerID } },
      };
    }
    if (waiting === 'ImagePullBackOff') {
      const ref = img.replace(/@sha256:.*/, '');
      return {
        ...base,
        imageID: '',
        containerID: undefined,
        ready: false,
        started: false,
        restartCount: restarts,
        state: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${img}": ErrImagePull: failed to pull and unpack image "${ref}": not found`,
          },
        },
      };
    }
    if (waiting === 'ContainerCreating')
      return {
        ...base,
        imageID: '',
        containerID: undefined,
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
      };
    return {
      ...base,
      ready: mainReady,
      restartCount: restarts,
      ...(restarts > 0 ? { lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: created, finishedAt: started, containerID } } } : {}),
    };
  });

  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const allReady = unready.length === 0 && phase === 'Running';
  const cond = (type: string, ok: boolean, at: Date, reason?: string): V1PodCondition => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null as unknown as undefined, // the API server sends null here
    lastTransitionTime: at,
    ...(ok || !reason ? {} : { reason, message: `containers with unready status: [${unready.join(' ')}]` }),
  });
  const changed = allReady ? started : secondsBefore(now, Math.min(age, 95));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${rsName}-`,
      namespace: o.namespace,
      uid,
      resourceVersion: '1',
      creationTimestamp: created,
      labels: { ...o.labels, 'pod-template-hash': hash },
      annotations: { 'kubectl.kubernetes.io/default-container': names[0]! },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: uuid(`rs/${o.namespace}/${rsName}`), controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      containers: names.map((cname, i) => ({
        name: cname,
        image: i === 0 ? o.image : ENVOY_IMAGE,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: i === 0 ? 8080 : 8443, name: i === 0 ? 'http' : 'tls', protocol: 'TCP' }],
        resources: { limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '500m', memory: '2Gi' } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      })),
      nodeName: node,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
    },
    status: {
      phase,
      conditions: [
        cond('PodReadyToStartContainers', waiting !== 'ContainerCreating', created),
        cond('Initialized', true, created),
        cond('Ready', allReady, changed, 'ContainersNotReady'),
        cond('ContainersReady', allReady, changed, 'ContainersNotReady'),
        cond('PodScheduled', true, created),
      ],
      hostIP: `10.64.${parseInt(hex(node, 2), 16) % 64}.${parseInt(hex(node, 4), 16) % 250}`,
      podIP: waiting === 'ContainerCreating' ? undefined : `10.67.${parseInt(hex(uid, 2), 16) % 128}.${parseInt(hex(uid, 4), 16) % 250}`,
      startTime: created,
      containerStatuses: statuses,
      qosClass: 'Burstable',
    },
  };
}

export interface DeploymentOptions {
  namespace: string;
  name: string;
  /** Pod template labels; the selector is the same labels unless given. */
  labels: Record<string, string>;
  selector?: Record<string, string>;
  image: string;
  containers?: string[];
  replicas?: number;
  readyReplicas?: number;
  ageSeconds?: number;
  generation?: number;
  now?: Date;
}

export function makeDeployment(o: DeploymentOptions): V1Deployment {
  const now = o.now ?? new Date();
  const replicas = o.replicas ?? 1;
  const ready = o.readyReplicas ?? replicas;
  const generation = o.generation ?? 3;
  const created = secondsBefore(now, o.ageSeconds ?? 90 * 86400);
  const names = o.containers ?? [o.name];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid: uuid(`deploy/${o.namespace}/${o.name}`),
      resourceVersion: '1',
      generation,
      creationTimestamp: created,
      labels: { ...o.labels, heritage: 'Helm' },
      annotations: {
        'deployment.kubernetes.io/revision': String(generation),
        'meta.helm.sh/release-name': o.labels.release ?? o.name,
        'meta.helm.sh/release-namespace': o.namespace,
      },
    },
    spec: {
      replicas,
      selector: { matchLabels: o.selector ?? o.labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: o.labels },
        spec: { containers: names.map((n, i) => ({ name: n, image: i === 0 ? o.image : ENVOY_IMAGE, imagePullPolicy: 'IfNotPresent' })) },
      },
    },
    status: {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(ready < replicas ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        {
          type: 'Available',
          status: ready >= Math.ceil(replicas * 0.75) ? 'True' : 'False',
          reason: ready >= Math.ceil(replicas * 0.75) ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: ready >= Math.ceil(replicas * 0.75) ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
          lastUpdateTime: created,
          lastTransitionTime: created,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${o.name}-${safe(`${o.namespace}/${o.name}/${o.image}`, 10)}" has successfully progressed.`,
          lastUpdateTime: created,
          lastTransitionTime: created,
        },
      ],
    },
  };
}

/**
 * The ReplicaSet a Deployment controller keeps for the deployment's current pod template: named
 * `<deployment>-<hash of the main image>` like makePod's owners, so a pod's ownerReference resolves.
 */
export function replicaSetFor(d: V1Deployment): V1ReplicaSet {
  const md = d.metadata!;
  const template = d.spec?.template;
  const main = template?.spec?.containers[0]?.image ?? '';
  const hash = safe(`${md.namespace}/${md.name}/${main}`, 10);
  const name = `${md.name}-${hash}`;
  const labels = { ...template?.metadata?.labels, 'pod-template-hash': hash };
  const replicas = d.spec?.replicas ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: md.namespace,
      uid: uuid(`rs/${md.namespace}/${name}`),
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: md.creationTimestamp,
      labels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
        'deployment.kubernetes.io/revision': md.annotations?.['deployment.kubernetes.io/revision'] ?? '1',
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: md.name!, uid: md.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...d.spec?.selector.matchLabels, 'pod-template-hash': hash } },
      template: { ...template, metadata: { ...template?.metadata, labels } },
    },
    status: {
      replicas: d.status?.replicas ?? replicas,
      fullyLabeledReplicas: d.status?.replicas ?? replicas,
      readyReplicas: d.status?.readyReplicas ?? 0,
      availableReplicas: d.status?.availableReplicas ?? 0,
      observedGeneration: 1,
    },
  };
}

export interface EventOptions {
  pod: V1Pod;
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  ageSeconds?: number;
  container?: string;
  now?: Date;
}

/** A kubelet event about a pod, as `kubectl get events` shows them. */
export function makeEvent(o: EventOptions): CoreV1Event {
  const now = o.now ?? new Date();
  const md = o.pod.metadata!;
  const host = o.pod.spec?.nodeName ?? 'dse-k8s-worker1001.eqiad.wmnet';
  const first = secondsBefore(now, o.ageSeconds ?? 3600);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${md.name}.${hex(`${md.name}/${o.reason}`, 16)}`,
      namespace: md.namespace,
      uid: uuid(`event/${md.name}/${o.reason}`),
      resourceVersion: '1',
      creationTimestamp: first,
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: md.name,
      namespace: md.namespace,
      uid: md.uid,
      fieldPath: `spec.containers{${o.container ?? o.pod.spec?.containers[0]?.name}}`,
    },
    reason: o.reason,
    message: o.message,
    source: { component: 'kubelet', host },
    firstTimestamp: first,
    lastTimestamp: secondsBefore(now, 30),
    count: o.count ?? 1,
    type: o.type ?? 'Normal',
    reportingComponent: 'kubelet',
    reportingInstance: host,
  };
}

export interface ClusterSeed {
  pods: V1Pod[];
  deployments: V1Deployment[];
  events: CoreV1Event[];
}

/**
 * Seed data for the sandbox cluster: superset (4 healthy pods), superset-next (2 pods, one in
 * CrashLoopBackOff so a newcomer sees what unhealthy looks like), airflow-search and
 * airflow-test-k8s (scheduler, webserver, kerberos), paws (one hub pod in `prod`).
 */
export function sandboxCluster(now: Date = new Date()): ClusterSeed {
  const pods: V1Pod[] = [];
  const deployments: V1Deployment[] = [];
  const events: CoreV1Event[] = [];

  const superset = (namespace: string, release: string, img: string, count: number, crash: number[]): void => {
    const name = `superset-${release}`;
    const labels = { app: 'superset', chart: 'superset-0.8.12', release, routed_via: release };
    const containers = [name, `${name}-tls-proxy`];
    deployments.push(makeDeployment({ namespace, name, labels, image: img, containers, replicas: count, readyReplicas: count - crash.length, now }));
    for (let i = 0; i < count; i++) {
      const crashing = crash.includes(i);
      const pod = makePod({
        namespace,
        labels,
        image: img,
        deployment: name,
        containers,
        seed: i,
        ageSeconds: 6 * 86400 + i * 60,
        waiting: crashing ? 'CrashLoopBackOff' : undefined,
        now,
      });
      pods.push(pod);
      if (crashing) {
        events.push(
          makeEvent({
            pod,
            reason: 'BackOff',
            type: 'Warning',
            count: 412,
            message: `Back-off restarting failed container ${name} in pod ${pod.metadata!.name}_${namespace}(${pod.metadata!.uid})`,
            now,
          }),
        );
        events.push(makeEvent({ pod, reason: 'Pulled', count: 17, message: `Container image "${img}" already present on machine`, now }));
      }
    }
  };
  superset('superset', 'production', SUPERSET_IMAGE, 4, []);
  superset('superset-next', 'staging', SUPERSET_NEXT_IMAGE, 2, [1]);

  const airflow = (namespace: string, components: string[]): void => {
    for (const component of components) {
      const name = `airflow-${component}`;
      const labels = { app: 'airflow', component, release: 'production' };
      deployments.push(makeDeployment({ namespace, name, labels, image: AIRFLOW_IMAGE, now }));
      pods.push(
        makePod({ namespace, labels, image: AIRFLOW_IMAGE, deployment: name, ageSeconds: 13 * 86400, restarts: component === 'scheduler' ? 2 : 0, now }),
      );
    }
  };
  airflow('airflow-search', ['scheduler', 'webserver', 'kerberos']);
  airflow('airflow-test-k8s', ['scheduler', 'webserver', 'kerberos']);

  const hubLabels = { app: 'jupyterhub', component: 'hub', release: 'paws' };
  deployments.push(makeDeployment({ namespace: 'prod', name: 'hub', labels: hubLabels, image: PAWS_HUB_IMAGE, now }));
  pods.push(makePod({ namespace: 'prod', labels: hubLabels, image: PAWS_HUB_IMAGE, deployment: 'hub', containers: ['hub'], ageSeconds: 21 * 86400, now }));

  return { pods, deployments, events };
}

/**
 * `n` pods in one namespace for benchmarks: mostly healthy, with a few unhealthy ones
 * (every 997th in CrashLoopBackOff, every 1499th in ImagePullBackOff, every 211th restarted).
 * Names are unique for n < 14 million.
 */
export function manyPods(n: number, namespace: string, selectorLabels: Record<string, string>, now: Date = new Date()): V1Pod[] {
  const deployment = selectorLabels.app ?? 'bench';
  const base = makePod({ namespace, labels: selectorLabels, image: SUPERSET_IMAGE, deployment, now });
  const rs = base.metadata!.generateName!;
  const pods: V1Pod[] = [];
  for (let i = 0; i < n; i++) {
    const waiting: WaitingReason | undefined = i % 997 === 996 ? 'CrashLoopBackOff' : i % 1499 === 1498 ? 'ImagePullBackOff' : undefined;
    // An affine map modulo 27^5 is a bijection, so every index gets its own 5-character suffix.
    const name = rs + encode((i * 7_919_311 + 12_345) % 27 ** 5, 5);
    pods.push(makePod({ namespace, name, labels: selectorLabels, image: SUPERSET_IMAGE, deployment, waiting, restarts: i % 211 === 210 ? 1 : undefined, now }));
  }
  return pods;
}

// ---- helpers ----

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function encode(n: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    s += SAFE[n % 27];
    n = Math.floor(n / 27);
  }
  return s;
}

function hex(seed: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += createHash('sha256').update(`${i}:${seed}`).digest('hex');
  return out.slice(0, len);
}

function safe(seed: string, len: number): string {
  const h = hex(seed, len * 2);
  let s = '';
  for (let i = 0; i < len; i++) s += SAFE[parseInt(h.slice(i * 2, i * 2 + 2), 16) % 27];
  return s;
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function imageID(img: string): string {
  const at = img.indexOf('@');
  if (at >= 0) return img.slice(0, img.lastIndexOf(':', at)) + img.slice(at);
  const colon = img.lastIndexOf(':');
  return `${colon > img.lastIndexOf('/') ? img.slice(0, colon) : img}@sha256:${hex(img, 64)}`;
}

/** Whole seconds, as the API server stores timestamps. */
function secondsBefore(now: Date, seconds: number): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 - seconds * 1000);
}
