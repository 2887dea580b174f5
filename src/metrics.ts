// Prometheus metrics (prom-client), one registry per app so several bots in one process (tests) do not clash.
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChatAdapter } from './bot/adapter.js';
import type { CommandResult, MetricsSink } from './core/metrics.js';
import type { JobData, JobResult, OutgoingMessage } from './core/types.js';
import { COMMAND_QUEUE, commandQueue, outboxName, outboxQueue, type QueueContext } from './jobs/queues.js';

export type { CommandResult };

/** What the gateway and worker report (core/metrics.ts), as Prometheus series, plus queue depths and adapter state. */
export class Metrics implements MetricsSink {
  readonly registry = new Registry();
  /** deckhand_commands_total{verb,result} */
  readonly commands: Counter<'verb' | 'result'>;
  /** deckhand_jobs_total{kind,status} */
  readonly jobs: Counter<'kind' | 'status'>;
  /** deckhand_job_duration_seconds{kind} */
  readonly jobDuration: Histogram<'kind'>;
  /** deckhand_monitor_state{service,environment}: 1 healthy, 0 unhealthy, -1 unknown (set by the monitor). */
  readonly monitorState: Gauge<'service' | 'environment'>;
  private readonly commandsQueue?: Queue<JobData, JobResult>;
  private readonly outboxes = new Map<string, Queue<OutgoingMessage>>();
  private adapters: ChatAdapter[] = [];
  private readonly queuesContext: QueueContext | undefined;

  constructor(o: { queues?: QueueContext; defaults?: boolean } = {}) {
    this.queuesContext = o.queues;
    const registers = [this.registry];
    if (o.defaults !== false) collectDefaultMetrics({ register: this.registry, prefix: 'deckhand_' });
    this.commands = new Counter({ name: 'deckhand_commands_total', help: 'Commands taken, by verb and result', labelNames: ['verb', 'result'], registers });
    this.jobs = new Counter({ name: 'deckhand_jobs_total', help: 'Jobs finished, by kind and status', labelNames: ['kind', 'status'], registers });
    this.jobDuration = new Histogram({
      name: 'deckhand_job_duration_seconds',
      help: 'Run time of jobs, by kind',
      labelNames: ['kind'],
      registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    });
    this.monitorState = new Gauge({
      name: 'deckhand_monitor_state',
      help: 'Health the monitor last saw: 1 healthy, 0 unhealthy, -1 unknown',
      labelNames: ['service', 'environment'],
      registers,
    });
    if (o.queues) this.commandsQueue = commandQueue(o.queues);
    const self = this;
    new Gauge({
      name: 'deckhand_queue_jobs',
      help: 'Jobs in each queue, by state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        const all: [string, Queue][] = [
          ...(self.commandsQueue ? [[COMMAND_QUEUE, self.commandsQueue] as [string, Queue]] : []),
          ...[...self.outboxes.entries()].map(([n, q]) => [outboxName(n), q] as [string, Queue]),
        ];
        await Promise.all(
          all.map(async ([name, q]) => {
            const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
            for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
          }),
        );
      },
    });
    new Gauge({
      name: 'deckhand_outbox_lag_seconds',
      help: 'Age of the oldest message not yet sent, per network',
      labelNames: ['network'],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          [...self.outboxes.entries()].map(async ([network, q]) => {
            const [active, waiting] = await Promise.all([q.getJobs(['active'], 0, 0, true), q.getJobs(['waiting'], 0, 0, true)]);
            const oldest = Math.min(...[...active, ...waiting].filter(Boolean).map((j) => j.timestamp));
            this.set({ network }, Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
          }),
        );
      },
    });
    new Gauge({
      name: 'deckhand_chat_connected',
      help: 'Chat connection state per network: 1 connected, 0 not',
      labelNames: ['network'],
      registers,
      collect() {
        this.reset();
        for (const a of self.adapters) this.set({ network: a.network }, a.connected === false ? 0 : 1);
      },
    });
  }

  /** The chat adapters whose connection state and outboxes are reported. */
  watchAdapters(adapters: ChatAdapter[]): void {
    this.adapters = adapters;
    if (!this.queuesContext) return;
    for (const a of adapters) {
      if (!this.outboxes.has(a.network)) this.outboxes.set(a.network, outboxQueue(this.queuesContext, a.network));
    }
  }

  command(verb: string, result: CommandResult): void {
    this.commands.inc({ verb, result });
  }

  jobDone(kind: string, status: string, seconds: number | undefined): void {
    this.jobs.inc({ kind, status });
    if (seconds !== undefined) this.jobDuration.observe({ kind }, seconds);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  async close(): Promise<void> {
    const queues: Queue[] = [...(this.commandsQueue ? [this.commandsQueue] : []), ...this.outboxes.values()];
    await Promise.all(queues.map((q) => q.close().catch(() => {})));
  }
}
