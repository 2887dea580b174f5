// One service environment's pods, kept current: a Kubernetes watch (List + Watch with resume), a full
// re-list every `resyncMs`, and when the watch fails, polling every `pollMs` while it is retried.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../core/log.js';
import type { KubeClient } from '../kube/client.js';
import type { EnvTarget } from './health.js';

export interface WatcherOptions {
  resyncMs: number;
  pollMs: number;
  /** After a pod event, deployments (available vs desired) are re-read this much later. */
  deploymentRefreshMs?: number;
  log: Logger;
  /** Something changed (or was re-read): evaluate. */
  onChange: () => void;
}

export class EnvWatcher {
  private pods = new Map<string, V1Pod>();
  private deployments: V1Deployment[] = [];
  private stopWatch?: () => void;
  private timers = new Set<NodeJS.Timeout>();
  private resyncTimer?: NodeJS.Timeout;
  private deploymentTimer?: NodeJS.Timeout;
  private stopped = false;
  /** A first complete picture exists (nothing is judged before). */
  synced = false;
  mode: 'watch' | 'poll' | 'idle' = 'idle';

  constructor(
    private readonly kube: KubeClient,
    readonly target: EnvTarget,
    private readonly o: WatcherOptions,
  ) {}

  snapshot(): { pods: V1Pod[]; deployments: V1Deployment[] } {
    return { pods: [...this.pods.values()], deployments: this.deployments };
  }

  async start(): Promise<void> {
    this.resyncTimer = setInterval(() => void this.relist('resync'), this.o.resyncMs);
    this.resyncTimer.unref();
    await this.watch();
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const t = this.target;
    // events of the initial list go into a fresh map, swapped in once complete: never judge half a list
    const fresh = new Map<string, V1Pod>();
    let live = false;
    try {
      const [stop] = await Promise.all([
        this.kube.watchPods(
          t.context,
          t.namespace,
          t.selector,
          (type, pod) => {
            const name = pod.metadata?.name;
            if (!name) return;
            if (type === 'DELETED') fresh.delete(name);
            else fresh.set(name, pod);
            if (live) {
              this.o.onChange();
              this.refreshDeploymentsSoon();
            }
          },
          (err) => {
            this.o.log.warn({ err: err.message, service: t.service, env: t.environment }, 'monitor: watch failed; polling');
            this.stopWatch = undefined;
            this.poll();
          },
        ),
        this.readDeployments(),
      ]);
      if (this.stopped) return stop();
      this.stopWatch = stop;
      this.pods = fresh;
      live = true;
      this.mode = 'watch';
      this.synced = true;
      this.o.onChange();
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, service: t.service, env: t.environment }, 'monitor: cannot watch; polling');
      this.poll();
    }
  }

  /** Watch failed: list now and every pollMs, trying the watch again each time. */
  private poll(): void {
    if (this.stopped) return;
    this.mode = 'poll';
    // the list stands in until the watch works again (tried every pollMs; a failed try polls again)
    void this.relist('poll').then((ok) => this.later(() => (ok ? void this.watch() : this.poll()), this.o.pollMs));
  }

  /** A full list of pods and deployments; true when it worked. */
  private async relist(why: string): Promise<boolean> {
    if (this.stopped) return false;
    const t = this.target;
    try {
      const [pods] = await Promise.all([this.kube.listPods(t.context, t.namespace, t.selector), this.readDeployments()]);
      if (why === 'poll' || this.mode !== 'watch') this.pods = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
      else {
        // resync beside a live watch: the list is the truth for what it contains and what it lacks
        const names = new Set(pods.map((p) => p.metadata?.name ?? ''));
        for (const p of pods) this.pods.set(p.metadata?.name ?? '', p);
        for (const n of [...this.pods.keys()]) if (!names.has(n)) this.pods.delete(n);
      }
      this.synced = true;
      this.o.onChange();
      return true;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, service: t.service, env: t.environment, why }, 'monitor: list failed');
      return false;
    }
  }

  private async readDeployments(): Promise<void> {
    const t = this.target;
    try {
      this.deployments = await this.kube.listDeployments(t.context, t.namespace, t.selector);
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message }, 'monitor: deployments not read');
    }
  }

  private refreshDeploymentsSoon(): void {
    if (this.deploymentTimer) return;
    this.deploymentTimer = setTimeout(() => {
      this.deploymentTimer = undefined;
      if (this.stopped) return;
      void this.readDeployments().then(() => this.o.onChange());
    }, this.o.deploymentRefreshMs ?? 2000);
    this.deploymentTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.deploymentTimer) clearTimeout(this.deploymentTimer);
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    this.mode = 'idle';
  }
}
