// The drain of one outbox: takes each queued message and hands it to the network's adapter. A message is
// delivered once: a marker is written once the adapter has sent it (IRC: once the server acknowledged
// the lines) and read before each send, so a message whose job is run again after a Redis outage (its
// BullMQ lock ran out, the job went back to waiting) or after its gateway died between sending and
// completing is not sent twice. A leader-only drain (IRC) passes the leader's fence before every send.
import { Worker, type Job } from 'bullmq';
import { noFence, type Fence } from '../core/fence.js';
import type { Logger } from '../core/log.js';
import { bullPrefix } from '../core/scope.js';
import type { OutgoingMessage } from '../core/types.js';
import { outboxName, type QueueContext } from '../jobs/queues.js';
import type { ChatAdapter } from './adapter.js';
import { errorLogger } from '../core/outage-log.js';

const DELIVERED_MS = 24 * 3600_000;

export interface DrainOptions {
  queues: QueueContext;
  adapter: ChatAdapter;
  /** The outbox of this process alone (a console instance), else the network's. */
  instance?: string;
  log: Logger;
  fence?: Fence;
  deliver(msg: OutgoingMessage): Promise<void>;
}

export function startDrain(o: DrainOptions): Worker<OutgoingMessage> {
  const name = outboxName(o.adapter.network, o.instance);
  const prefix = bullPrefix(o.queues.prefix, name);
  const redis = o.queues.connection;
  const fence = o.fence ?? noFence;
  // in the queue's own slot (Redis Cluster), beside its jobs
  const marker = (job: Job) => `${prefix}:${name}:delivered:${job.id}`;
  const drain = new Worker<OutgoingMessage>(
    name,
    async (job) => {
      await fence();
      if (await redis.exists(marker(job))) return 'delivered already';
      await o.deliver(job.data);
      await redis.set(marker(job), '1', 'PX', DELIVERED_MS);
      return 'sent';
    },
    // One message at a time keeps lines in order; an adapter that orders lines itself (IRC: per asker,
    // fairly, waiting for its connection) takes many at once.
    // A shorter lock than BullMQ's 30 s: a message a killed gateway was sending goes back to the queue,
    // for the gateway that takes over, within about 15 s (the lock is renewed while a send waits its turn).
    { connection: redis, prefix, concurrency: o.adapter.sendConcurrency ?? 1, lockDuration: 10_000, stalledInterval: 5_000 },
  );
  drain.on('error', errorLogger(o.log, 'outbox error', { network: o.adapter.network }));
  return drain;
}
