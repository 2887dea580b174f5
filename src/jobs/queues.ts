import { Queue } from 'bullmq';
import type { RedisScope } from '../core/scope.js';
import type { JobData, JobResult, NetworkName, OutgoingMessage } from '../core/types.js';

/** Where queues live (the one Redis scope every store takes). */
export type QueueContext = RedisScope;

export const COMMAND_QUEUE = 'commands';
export const outboxName = (network: NetworkName): string => `outbox-${network}`;

// Finished jobs are kept a while in BullMQ for operators; `!job N` reads the history store, which keeps the long record.
const keep = { removeOnComplete: { age: 24 * 3600, count: 5000 }, removeOnFail: { age: 7 * 24 * 3600, count: 5000 } };

export function commandQueue(ctx: QueueContext): Queue<JobData, JobResult> {
  return new Queue<JobData, JobResult>(COMMAND_QUEUE, { connection: ctx.connection, prefix: ctx.prefix, defaultJobOptions: keep });
}

export function outboxQueue(ctx: QueueContext, network: NetworkName): Queue<OutgoingMessage> {
  return new Queue<OutgoingMessage>(outboxName(network), {
    connection: ctx.connection,
    prefix: ctx.prefix,
    // a chat send that fails (connection down) is retried, not lost
    defaultJobOptions: { attempts: 20, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
  });
}

/** Outboxes are created lazily per network and reused. */
export class Outboxes {
  private readonly queues = new Map<NetworkName, Queue<OutgoingMessage>>();
  constructor(private readonly ctx: QueueContext) {}

  /** `jobId` makes a repeated post of the same message a no-op (BullMQ keeps one job per id). */
  async post(msg: OutgoingMessage, jobId?: string): Promise<void> {
    let q = this.queues.get(msg.network);
    if (!q) this.queues.set(msg.network, (q = outboxQueue(this.ctx, msg.network)));
    await q.add('send', msg, jobId ? { jobId } : undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
