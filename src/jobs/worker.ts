import { Worker, type Job } from 'bullmq';
import { replyLines, replyResult } from '../bot/reply.js';
import { toUserLine, UserError } from '../core/errors.js';
import type { JobData, JobResult } from '../core/types.js';
import { COMMAND_QUEUE, Outboxes, type QueueContext } from './queues.js';
import { processors } from './processors.js';
import type { ProcessorContext } from './types.js';

export interface WorkerOptions {
  queues: QueueContext;
  context: Omit<ProcessorContext, 'job' | 'post'>;
  concurrency?: number;
}

/**
 * Runs processors for queued commands and posts each result to the outbox of the network it came from.
 * Any number of these may run, on any machine that reaches Redis.
 */
export function startWorker(opts: WorkerOptions): { worker: Worker<JobData, JobResult>; close(): Promise<void> } {
  const outboxes = new Outboxes(opts.queues);
  const { log } = opts.context;

  const run = async (job: Job<JobData, JobResult>): Promise<JobResult> => {
    const data = job.data;
    const processor = processors[data.kind];
    let result: JobResult;
    try {
      if (!processor) throw new UserError(`no processor for job kind "${data.kind}"`);
      result = await processor(data, { ...opts.context, job, post: (msg) => outboxes.post(msg) });
    } catch (e) {
      if (!(e instanceof UserError)) log.error({ err: e, jobId: job.id, kind: data.kind }, 'processor failed');
      result = { ok: false, summary: toUserLine(e), lines: [toUserLine(e)] };
    }
    await outboxes.post(replyResult(data.replyTo, result));
    return result;
  };

  const worker = new Worker<JobData, JobResult>(COMMAND_QUEUE, run, {
    connection: opts.queues.connection,
    prefix: opts.queues.prefix,
    concurrency: opts.concurrency ?? 16,
    // A job whose worker died is reported failed, never silently run again: a deploy must not
    // re-run after a crash without people deciding so.
    maxStalledCount: 0,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  // A job that failed outside the processor (stalled too often, worker killed) is still reported.
  worker.on('failed', (job, err) => {
    if (!job) return;
    log.warn({ jobId: job.id, err: err.message }, 'job failed');
    void outboxes.post(replyLines(job.data.replyTo, [`${job.data.kind} job ${job.id} failed: ${err.message}`])).catch(() => {});
  });
  return {
    worker,
    async close() {
      await worker.close();
      await outboxes.close();
    },
  };
}
