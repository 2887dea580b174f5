// Automatic downtime announcements. Every configured service environment is watched (see EnvWatcher);
// each change is judged with hysteresis (see step), and each transition is announced once on every
// announce channel of the service, worded "(expected: …)" — or kept quiet — during a maintenance window
// or a running deploy. Any number of monitors may run (one per worker): the one holding the Redis lease
// watches and announces; state (status, since, pending) lives in Redis and survives restarts.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { OutgoingMessage } from '../core/types.js';
import { StoppedStore } from '../deploy/stopped.js';
import { DeployStore } from '../deploy/store.js';
import type { KubeClient } from '../kube/client.js';
import { systemClock, type Clock } from '../maintenance/clock.js';
import { announceTargets, announcement } from '../maintenance/messages.js';
import { MaintenanceStore } from '../maintenance/store.js';
import { utc } from '../maintenance/when.js';
import { downAnnouncement, recoveredAnnouncement, type Announcement } from './format.js';
import { hasHealth } from '../health/check.js';
import type { HealthReport } from '../health/check.js';
import { approvalAnnouncement } from './format.js';
import { observe, withHealth, type EnvTarget } from './health.js';
import { HealthPoller } from './health-poll.js';
import { step, type EnvState } from './hysteresis.js';
import { MonitorStore } from './state.js';
import { EnvWatcher } from './watcher.js';

export interface MonitorOptions {
  config: Config;
  kube: KubeClient;
  redis: Redis;
  prefix: string;
  log: Logger;
  /** Where announcements go (the outboxes). */
  post(msg: OutgoingMessage): Promise<void>;
  clock?: Clock;
  /** How often time-based transitions are checked (default 1000 ms). */
  tickMs?: number;
  instanceId?: string;
}

interface Env {
  target: EnvTarget;
  watcher: EnvWatcher;
  /** The operator's CR and the probes, where configured. */
  health?: HealthPoller;
  running?: Promise<void>;
  again: boolean;
}

/** Every service environment of the config, as watch targets. */
export function monitorTargets(config: Config): EnvTarget[] {
  return Object.entries(config.services).flatMap(([service, s]) =>
    Object.entries(s.environments).map(([environment, e]) => ({
      service,
      environment,
      namespace: e.namespace,
      selector: e.selector,
      ...(e.context ? { context: e.context } : {}),
    })),
  );
}

export class Monitor {
  readonly instanceId: string;
  private readonly clock: Clock;
  private readonly store: MonitorStore;
  private readonly maint: MaintenanceStore;
  private readonly deploys: DeployStore;
  private readonly stops: StoppedStore;
  private envs = new Map<string, Env>();
  private leaseTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  private leasing?: Promise<void>;
  /** Transitions this instance announced (tests, metrics). */
  announced = 0;

  constructor(private readonly o: MonitorOptions) {
    this.instanceId = o.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.clock = o.clock ?? systemClock;
    const scope = { connection: o.redis, prefix: o.prefix };
    this.store = new MonitorStore(scope);
    this.maint = new MaintenanceStore(scope);
    this.deploys = new DeployStore(scope);
    this.stops = new StoppedStore(scope);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get settings() {
    return this.o.config.monitor;
  }

  async start(): Promise<void> {
    const leaseMs = this.settings.leaseSeconds * 1000;
    await this.renewLease();
    this.leaseTimer = setInterval(() => void this.renewLease(), Math.max(100, leaseMs / 3));
    this.leaseTimer.unref();
    this.tickTimer = setInterval(() => void this.tick(), this.o.tickMs ?? 1000);
    this.tickTimer.unref();
  }

  /** Take or keep the lease; start watching on becoming leader, stop on losing it. */
  renewLease(): Promise<void> {
    this.leasing ??= (async () => {
      try {
        if (this.stopped) return;
        const lead = await this.store.lease(this.instanceId, this.settings.leaseSeconds * 1000).catch((err: unknown) => {
          this.o.log.warn({ err }, 'monitor: lease check failed');
          return false;
        });
        if (lead && !this.leading) {
          this.leading = true;
          this.o.log.info({ instance: this.instanceId }, 'monitor: leading');
          await this.startWatching();
        } else if (!lead && this.leading) {
          this.leading = false;
          this.o.log.warn({ instance: this.instanceId }, 'monitor: lease lost; standing by');
          this.stopWatching();
        }
      } finally {
        this.leasing = undefined;
      }
    })();
    return this.leasing;
  }

  private async startWatching(): Promise<void> {
    const s = this.settings;
    const targets = monitorTargets(this.o.config);
    for (const target of targets) {
      const key = `${target.service}/${target.environment}`;
      const env: Env = {
        target,
        again: false,
        watcher: new EnvWatcher(this.o.kube, target, {
          resyncMs: s.resyncSeconds * 1000,
          pollMs: s.pollSeconds * 1000,
          log: this.o.log,
          onChange: () => void this.evaluate(key),
        }),
      };
      if (hasHealth(this.o.config, target.service, target.environment)) {
        env.health = new HealthPoller(this.o.kube, this.o.config, target, {
          intervalMs: s.healthSeconds * 1000,
          now: () => this.clock.now(),
          log: this.o.log,
          onReport: (r) => {
            void this.evaluate(key);
            void this.noticeApproval(target, r);
          },
        });
      }
      this.envs.set(key, env);
    }
    await Promise.all([...this.envs.values()].map((e) => e.watcher.start()));
    for (const e of this.envs.values()) e.health?.start();
  }

  /** A supervised upgrade waiting for its approval: said once per token (AwaitingApproval lasts until someone approves). */
  private async noticeApproval(t: EnvTarget, r: HealthReport): Promise<void> {
    const op = r.operator && !('error' in r.operator) ? r.operator : undefined;
    if (!this.leading || op?.phase !== 'AwaitingApproval' || !op.upgrade) return;
    try {
      if (!(await this.store.firstApprovalNotice(t.service, t.environment, op.upgrade.approvalToken))) return;
      this.announced++;
      const a = approvalAnnouncement(t.service, t.environment, op.upgrade);
      for (const target of announceTargets(this.o.config, t.service)) {
        await this.o
          .post({ network: target.network, target: target.target, lines: a.lines, sections: a.sections })
          .catch((err: unknown) => this.o.log.error({ err, target }, 'monitor: announcement not posted'));
      }
    } catch (err) {
      this.o.log.warn({ err, service: t.service, env: t.environment }, 'monitor: approval notice failed');
    }
  }

  /** Read the CR and run the probes of every environment now (tests; the timer does it every healthSeconds). */
  async probe(): Promise<void> {
    await Promise.all([...this.envs.values()].map((e) => e.health?.poll()));
  }

  private stopWatching(): void {
    for (const e of this.envs.values()) {
      e.watcher.stop();
      e.health?.stop();
    }
    this.envs.clear();
  }

  /** Judge every environment now (time-based transitions); the timer calls it, tests too after moving the clock. */
  async tick(): Promise<void> {
    await Promise.all([...this.envs.keys()].map((k) => this.evaluate(k)));
  }

  /** Wait until no evaluation is running (tests). */
  async settled(): Promise<void> {
    while ([...this.envs.values()].some((e) => e.running)) await Promise.all([...this.envs.values()].map((e) => e.running));
  }

  /** One evaluation at a time per environment; a change during one runs another right after. */
  evaluate(key: string): Promise<void> {
    const env = this.envs.get(key);
    if (!env || !env.watcher.synced || !this.leading) return Promise.resolve();
    if (env.running) {
      env.again = true;
      return env.running;
    }
    env.running = (async () => {
      try {
        do {
          env.again = false;
          await this.judge(env).catch((err: unknown) => this.o.log.error({ err, env: key }, 'monitor: evaluation failed'));
        } while (env.again && this.leading);
      } finally {
        env.running = undefined;
      }
    })();
    return env.running;
  }

  private async judge(env: Env): Promise<void> {
    const t = env.target;
    const thresholds = { downAfterMs: this.settings.downAfterSeconds * 1000, upAfterMs: this.settings.upAfterSeconds * 1000 };
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now();
      const { pods, deployments } = env.watcher.snapshot();
      const seen = withHealth(observe(t, pods, deployments, now), env.health?.latest);
      const state = await this.store.get(t.service, t.environment, now);
      const next = step(state, seen.healthy, now, thresholds);
      if (!next.changed) return;
      let written: EnvState = next.state;
      let message: Announcement | undefined;
      if (next.transition?.to === 'down') {
        const expected = await this.expected(t, now);
        // stopped on purpose (`stop`, or a stop/start running): nothing to say, whatever `expected` says
        const quiet = (await this.onPurpose(t)) || (!!expected && this.settings.expected === 'quiet');
        written = { ...next.state, detail: seen.detail, ...(quiet ? { quiet } : {}) };
        if (!quiet) message = downAnnouncement(t.service, t.environment, seen, next.transition.since, now, expected);
      } else if (next.transition?.to === 'up') {
        if (!state.quiet) message = recoveredAnnouncement(t.service, t.environment, seen, next.transition.outageMs);
      }
      // only the writer of the transition announces it, however many monitors see it
      if (!(await this.store.compareAndSet(t.service, t.environment, written))) continue;
      if (next.transition) this.o.log.info({ service: t.service, env: t.environment, to: next.transition.to, announced: !!message }, 'monitor: transition');
      if (message) await this.announce(t.service, message);
      return;
    }
  }

  /** Why an outage is expected now, if it is: a maintenance window, or a deploy of this environment. */
  private async expected(t: EnvTarget, now: number): Promise<string | undefined> {
    const w = await this.maint.active(t.service, now, t.environment).catch(() => undefined);
    if (w) return `maintenance #${w.id} until ${utc(w.end, now)}: ${w.reason}`;
    const d = await this.deploys.holder(t.service, t.environment).catch(() => undefined);
    if (d) return `${d.verb} by ${d.user} since ${utc(d.since, now)}`;
    return undefined;
  }

  /** The environment is stopped with `stop`, or a stop/start of it is running. */
  private async onPurpose(t: EnvTarget): Promise<boolean> {
    const [s, d] = await Promise.all([
      this.stops.get(t.service, t.environment).catch(() => undefined),
      this.deploys.holder(t.service, t.environment).catch(() => undefined),
    ]);
    return !!s || d?.verb === 'stop' || d?.verb === 'start';
  }

  private async announce(service: string, a: Announcement): Promise<void> {
    this.announced++;
    for (const target of announceTargets(this.o.config, service)) {
      await this.o
        .post(announcement(target, a.lines, a.sections))
        .catch((err: unknown) => this.o.log.error({ err, target }, 'monitor: announcement not posted'));
    }
  }

  /** The current state of every environment (for a status line or tests). */
  async states(): Promise<Record<string, EnvState>> {
    const out: Record<string, EnvState> = {};
    for (const t of monitorTargets(this.o.config)) out[`${t.service}/${t.environment}`] = await this.store.get(t.service, t.environment, this.clock.now());
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    await this.leasing;
    this.stopWatching();
    if (this.leading) await this.store.releaseLease(this.instanceId).catch(() => {});
    this.leading = false;
  }
}
