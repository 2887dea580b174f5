// The worker loop: take a queued job, run it, post the answer to the outbox of the network it came
// from, record it in the history. What a job does is the runner's business (src/handlers/execute.ts).
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { NotLoggedInError, PermissionDeniedError, toUserLine, toUserParts, UserError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { MetricsSink } from '../core/metrics.js';
import type { Line } from '../core/parts.js';
import { replyLines, replyResult } from '../core/reply.js';
import { bullPrefix } from '../core/scope.js';
import type { JobData, JobResult, OutgoingMessage } from '../core/types.js';
import { changedOf, historyOutcome, logOf } from '../history/record.js';
import type { HistoryStore } from '../history/store.js';
import { commandQueue, COMMAND_QUEUE, Outboxes, type QueueContext } from './queues.js';
import { errorLogger } from '../core/outage-log.js';

const STALLED_GRACE_MS = 3000;

/** Jobs that ran to the end (kept a day), in the command queue's slot. */
class DoneMarks {
  private readonly prefix: string;
  constructor(private readonly queues: QueueContext) {
    this.prefix = `${bullPrefix(queues.prefix, COMMAND_QUEUE)}:${COMMAND_QUEUE}:done:`;
  }
  async mark(id: string | undefined): Promise<void> {
    await this.queues.connection.set(this.prefix + id, '1', 'EX', 86400);
  }
  async isDone(id: string | undefined): Promise<boolean> {
    return (await this.queues.connection.exists(this.prefix + id)) === 1;
  }
}

/** What the worker lends a running job. */
export interface JobHost {
  jobId: string;
  log: Logger;
  post(msg: OutgoingMessage): Promise<void>;
  /** Queue a follow-up job (a roll-out's next step); returns its id. */
  enqueue(data: JobData): Promise<string>;
}

export interface JobRunner {
  run(data: JobData, host: JobHost): Promise<JobResult>;
  /** The job's worker died mid-run: clean up and say what happened; undefined = the generic line. */
  interrupted(data: JobData, host: JobHost, reason: string): Promise<Line[] | undefined>;
}

export interface WorkerOptions {
  queues: QueueContext;
  runner: JobRunner;
  log: Logger;
  concurrency?: number;
  /** BullMQ job lock (default 30 s) and stalled-job check interval (default 30 s): a dead worker's job is reported within their sum. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Job history: started / finished / failed / interrupted are recorded. */
  history?: HistoryStore;
  metrics?: MetricsSink;
}

/**
 * Runs queued commands and posts each result to the outbox of the network it came from.
 * Any number of these may run, on any machine that reaches Redis.
 */
export function startWorker(opts: WorkerOptions): { worker: Worker<JobData, JobResult>; close(): Promise<void> } {
  const outboxes = new Outboxes(opts.queues);
  const followUps = commandQueue(opts.queues);
  const { log, history, metrics, runner } = opts;
  const host = hostname();
  const doneMarks = new DoneMarks(opts.queues);
  const hostFor = (jobId: string, jlog: Logger): JobHost => ({
    jobId,
    log: jlog,
    post: (msg) => outboxes.post(msg),
    enqueue: async (data) => String((await followUps.add(data.kind, data)).id),
  });

  const run = async (job: Job<JobData, JobResult>): Promise<JobResult> => {
    const data = job.data;
    // Every log line of a job carries its id.
    const jlog = log.child({ jobId: job.id, kind: data.kind });
    const startedAt = Date.now();
    // History writes run beside the job and the reply, never in front of them.
    const started = history?.started(job.id, data, { at: startedAt, host }).catch((err: unknown) => jlog.error({ err }, 'history write failed'));
    let result: JobResult;
    let denied = false;
    let refused = false;
    try {
      result = await runner.run(data, hostFor(String(job.id), jlog));
    } catch (e) {
      if (!(e instanceof UserError)) jlog.error({ err: e }, 'job failed');
      denied = e instanceof PermissionDeniedError || e instanceof NotLoggedInError;
      refused = e instanceof UserError;
      result = { ok: false, summary: toUserLine(e), lines: [toUserParts(e)] };
    }
    const status = denied ? 'denied' : historyOutcome(result);
    metrics?.jobDone(data.kind, status, (Date.now() - startedAt) / 1000);
    const changed = changedOf(result);
    const finished = history
      ? Promise.resolve(started)
          .then(() => logOf(result, opts.queues))
          .then((logText) =>
            history.finished(job.id, data, {
              status,
              summary: result.summary,
              ...(changed ? { changed } : {}),
              ...(logText !== undefined ? { log: logText } : {}),
              ...(result.approval ? { approval: result.approval } : {}),
              startedAt,
            }),
          )
          .catch((err: unknown) => jlog.error({ err }, 'history write failed'))
      : undefined;
    const reply = replyResult(data.replyTo, result, String(job.id));
    // a refused click is the clicker's business alone: the buttons stay for the people who may use them
    if (refused && data.replyTo.clicked) reply.private = true;
    // Marked done before the reply goes: a Redis outage longer than the job lock makes BullMQ call this
    // job stalled once Redis is back, though it ran to the end; the mark says so (see 'failed' below).
    // The reply's id makes a repeated post of it a no-op.
    await doneMarks.mark(job.id);
    await Promise.all([outboxes.post(reply, `reply-${job.id}`), finished]);
    return result;
  };

  const worker = new Worker<JobData, JobResult>(COMMAND_QUEUE, run, {
    connection: opts.queues.connection,
    prefix: bullPrefix(opts.queues.prefix, COMMAND_QUEUE),
    concurrency: opts.concurrency ?? 16,
    // A job whose worker died is reported failed, never silently run again: a deploy must not
    // re-run after a crash without people deciding so.
    maxStalledCount: 0,
    ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
    // a killed worker's job is found within lock (30 s) + this + STALLED_GRACE_MS: under a minute, as people are promised
    stalledInterval: opts.stalledIntervalMs ?? 25_000,
  });
  worker.on('error', errorLogger(log, 'worker error'));
  // A job that failed outside the runner (stalled too often, worker killed) is still reported.
  worker.on('failed', (job, err) => {
    if (!job) return;
    // stalled: its worker died, or lost Redis longer than the lock; a lock error: the job was moved meanwhile
    if (/stalled|lock/i.test(err.message)) return void reportStalled(job, err);
    report(job, err, false);
  });
  /** A job BullMQ calls stalled may have finished while Redis was away: only one that did not is reported interrupted. */
  const reportStalled = async (job: Job<JobData, JobResult>, err: Error) => {
    // its worker's last writes (the done mark first) land when its connection is back: give them a moment
    await new Promise((r) => setTimeout(r, STALLED_GRACE_MS));
    if (await doneMarks.isDone(job.id).catch(() => false))
      return log.info({ jobId: job.id }, 'job called stalled after a Redis outage had finished: not reported');
    report(job, err, /stalled/i.test(err.message));
  };
  const report = (job: Job<JobData, JobResult>, err: Error, interrupted: boolean) => {
    log.warn({ jobId: job.id, err: err.message }, 'job failed');
    metrics?.jobDone(job.data.kind, interrupted ? 'interrupted' : 'failed', undefined);
    void history
      ?.finished(job.id, job.data, {
        status: interrupted ? 'interrupted' : 'failed',
        summary: `${job.data.kind} job ${job.id} ${interrupted ? 'was interrupted: its worker stopped' : 'failed'} (${err.message})`.slice(0, 300),
        reason: err.message,
      })
      .catch((e: unknown) => log.error({ err: e, jobId: job.id }, 'history write failed'));
    const generic: Line[] = [`${job.data.kind} job ${job.id} failed: ${err.message}`];
    void runner
      .interrupted(job.data, hostFor(String(job.id), log), err.message)
      .catch((e: unknown) => (log.error({ err: e }, 'clean-up after an interrupted job failed'), undefined))
      .then((lines) => outboxes.post(replyLines(job.data.replyTo, lines ?? generic), `failed-${job.id}`))
      .catch(() => {});
  };
  return {
    worker,
    async close() {
      await worker.close();
      await Promise.all([outboxes.close(), followUps.close()]);
    },
  };
}
