// Beside an environment's pod watch: the operator's CR and the application probes, read every
// `monitor.healthSeconds` (one round at a time; a probe's own timeout bounds a round). The latest
// report is what the monitor judges together with the pods.
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import { checkHealth, type HealthReport } from '../health/check.js';
import type { KubeClient } from '../kube/client.js';
import type { EnvTarget } from './health.js';

export interface HealthPollOptions {
  intervalMs: number;
  now: () => number;
  log: Logger;
  onReport: (r: HealthReport) => void;
}

export class HealthPoller {
  latest?: HealthReport;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private round?: Promise<void>;

  constructor(
    private readonly kube: KubeClient,
    private readonly config: Config,
    readonly target: EnvTarget,
    private readonly o: HealthPollOptions,
  ) {}

  start(): void {
    void this.poll();
  }

  /** One round now (unless one is running), then the next after the interval. */
  poll(): Promise<void> {
    this.round ??= (async () => {
      if (this.stopped) return;
      const t = this.target;
      try {
        this.latest = await checkHealth(this.kube, this.config, t.service, t.environment, this.o.now);
        if (!this.stopped) this.o.onReport(this.latest);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, service: t.service, env: t.environment }, 'monitor: health not read');
      } finally {
        this.round = undefined;
        if (!this.stopped) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.poll(), this.o.intervalMs);
          this.timer.unref();
        }
      }
    })();
    return this.round;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
