import { Queue } from 'bullmq';
import { bullPrefix, type RedisScope } from '../core/scope.js';
import type { JobData, JobResult, NetworkName, OutgoingMessage } from '../core/types.js';

/** Where queues live (the one Redis scope every store takes). */
export type QueueContext = RedisScope;

export const COMMAND_QUEUE = 'commands';
/**
 * A network's outbox; `instance` names one process's own (a console's replies go to that console alone,
 * where two consoles on one Redis would otherwise take each other's).
 */
export const outboxName = (network: NetworkName, instance?: string): string => (instance ? `outbox-${network}-${instance}` : `outbox-${network}`);

// Finished jobs are kept a while in BullMQ for operators; `!job N` reads the history store, which keeps the long record.
const keep = { removeOnComplete: { age: 24 * 3600, count: 5000 }, removeOnFail: { age: 7 * 24 * 3600, count: 5000 } };

/** A Redis outage is reported by the processes' workers and by each failed add: a queue's own 'error' events add nothing (unheard, BullMQ prints each). */
const quiet = <Q extends Queue>(q: Q): Q => (q.on('error', () => {}), q);

export function commandQueue(ctx: QueueContext): Queue<JobData, JobResult> {
  return quiet(
    new Queue<JobData, JobResult>(COMMAND_QUEUE, { connection: ctx.connection, prefix: bullPrefix(ctx.prefix, COMMAND_QUEUE), defaultJobOptions: keep }),
  );
}

export function outboxQueue(ctx: QueueContext, network: NetworkName, instance?: string): Queue<OutgoingMessage> {
  const name = outboxName(network, instance);
  return quiet(
    new Queue<OutgoingMessage>(name, {
      connection: ctx.connection,
      prefix: bullPrefix(ctx.prefix, name),
      // A chat send that fails (connection down) is retried, not lost. Sent messages are kept an hour: a
      // re-post with the same id (a worker that lost Redis mid-job and posts again) is then a no-op.
      defaultJobOptions: {
        attempts: 20,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 3600, count: 20_000 },
        removeOnFail: { age: 24 * 3600 },
      },
    }),
  );
}

/** Outboxes are created lazily per network (and instance) and reused. */
export class Outboxes {
  private readonly queues = new Map<string, Queue<OutgoingMessage>>();
  constructor(private readonly ctx: QueueContext) {}

  /** `jobId` makes a repeated post of the same message a no-op (BullMQ keeps one job per id). */
  async post(msg: OutgoingMessage, jobId?: string): Promise<void> {
    const name = outboxName(msg.network, msg.outbox);
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = outboxQueue(this.ctx, msg.network, msg.outbox)));
    await q.add('send', msg, jobId ? { jobId } : undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
