import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { replyLines, replyResult } from '../bot/reply.js';
import { NotLoggedInError, PermissionDeniedError, toUserLine, UserError } from '../core/errors.js';
import type { JobData, JobResult } from '../core/types.js';
import { COMMAND_QUEUE, Outboxes, type QueueContext } from './queues.js';
import { handlers as allHandlers } from '../handlers/index.js';
import type { Handler } from '../handlers/types.js';
import { failureHooks, processors } from './processors.js';
import type { Processor, ProcessorContext } from './types.js';
import { changedOf, historyOutcome, logOf } from '../history/record.js';
import type { HistoryStore } from '../history/store.js';
import type { Metrics } from '../metrics.js';

export interface WorkerOptions {
  queues: QueueContext;
  context: Omit<ProcessorContext, 'job' | 'post' | 'queues'>;
  concurrency?: number;
  handlers?: readonly Handler[];
  processors?: Record<string, Processor>;
  /** BullMQ job lock (default 30 s) and stalled-job check interval (default 30 s): a dead worker's job is reported within their sum. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Job history: started / finished / failed / interrupted are recorded. */
  history?: HistoryStore;
  metrics?: Metrics;
}

/**
 * Runs processors for queued commands and posts each result to the outbox of the network it came from.
 * Any number of these may run, on any machine that reaches Redis.
 */
export function startWorker(opts: WorkerOptions): { worker: Worker<JobData, JobResult>; close(): Promise<void> } {
  const outboxes = new Outboxes(opts.queues);
  const { log } = opts.context;

  const verbs = opts.handlers ?? allHandlers;
  // Groups may have changed since the gateway took the command: check again right before changing anything.
  const recheck = async (data: JobData): Promise<void> => {
    const scope = data.command.service ? 'service' : 'global';
    const spec = verbs.find((h) => h.verb === data.command.verb && h.scope === scope);
    if (!spec?.mutating) return;
    const decision = await opts.context.access.authorize(data.requester, data.command, spec, 'worker');
    if (!decision.allowed) throw decision.error ?? new UserError(decision.reason);
  };

  const { history, metrics } = opts;
  const host = hostname();
  const withChanged = (r: JobResult) => {
    const changed = changedOf(r);
    return changed ? { changed } : {};
  };
  const run = async (job: Job<JobData, JobResult>): Promise<JobResult> => {
    const data = job.data;
    const processor = (opts.processors ?? processors)[data.kind];
    // Every log line of a job carries its id.
    const jlog = log.child({ jobId: job.id, kind: data.kind });
    const startedAt = Date.now();
    // History writes run beside the job and the reply, never in front of them.
    const started = history?.started(job.id, data, { at: startedAt, host }).catch((err: unknown) => jlog.error({ err }, 'history write failed'));
    let result: JobResult;
    let denied = false;
    try {
      if (!processor) throw new UserError(`no processor for job kind "${data.kind}"`);
      await recheck(data);
      result = await processor(data, { ...opts.context, log: jlog, job, queues: opts.queues, post: (msg) => outboxes.post(msg) });
    } catch (e) {
      if (!(e instanceof UserError)) jlog.error({ err: e }, 'processor failed');
      denied = e instanceof PermissionDeniedError || e instanceof NotLoggedInError;
      result = { ok: false, summary: toUserLine(e), lines: [toUserLine(e)] };
    }
    const status = denied ? 'denied' : historyOutcome(result);
    metrics?.jobDone(data.kind, status, (Date.now() - startedAt) / 1000);
    const finished = history
      ? Promise.resolve(started)
          .then(() => logOf(result, opts.queues))
          .then((logText) => history.finished(job.id, data, { status, summary: result.summary, ...withChanged(result), ...(logText !== undefined ? { log: logText } : {}), startedAt }))
          .catch((err: unknown) => jlog.error({ err }, 'history write failed'))
      : undefined;
    await Promise.all([outboxes.post(replyResult(data.replyTo, result)), finished]);
    return result;
  };

  const worker = new Worker<JobData, JobResult>(COMMAND_QUEUE, run, {
    connection: opts.queues.connection,
    prefix: opts.queues.prefix,
    concurrency: opts.concurrency ?? 16,
    // A job whose worker died is reported failed, never silently run again: a deploy must not
    // re-run after a crash without people deciding so.
    maxStalledCount: 0,
    ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
    ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  // A job that failed outside the processor (stalled too often, worker killed) is still reported.
  worker.on('failed', (job, err) => {
    if (!job) return;
    log.warn({ jobId: job.id, err: err.message }, 'job failed');
    const interrupted = /stalled/i.test(err.message);
    metrics?.jobDone(job.data.kind, interrupted ? 'interrupted' : 'failed', undefined);
    void history?.finished(job.id, job.data, { status: interrupted ? 'interrupted' : 'failed', summary: `${job.data.kind} job ${job.id} ${interrupted ? 'was interrupted: its worker stopped' : 'failed'} (${err.message})`.slice(0, 300), reason: err.message })
      .catch((e: unknown) => log.error({ err: e, jobId: job.id }, 'history write failed'));
    const generic = [`${job.data.kind} job ${job.id} failed: ${err.message}`];
    const hook = failureHooks[job.data.kind];
    const { kube: _k, ...hookCtx } = opts.context;
    void (hook ? hook(job, err.message, { ...hookCtx, queues: opts.queues, post: (msg) => outboxes.post(msg) }).catch((e: unknown) => (log.error({ err: e }, 'failure hook failed'), generic)) : Promise.resolve(generic))
      .then((lines) => outboxes.post(replyLines(job.data.replyTo, lines)))
      .catch(() => {});
  });
  return {
    worker,
    async close() {
      await worker.close();
      await outboxes.close();
    },
  };
}
