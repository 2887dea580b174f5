// The announcer: the processor of the delayed maintenance jobs on the `maintenance` queue (announce,
// reminders, start, end). The `maint` verb itself is src/handlers/maint.ts.
import { Worker, type Job } from 'bullmq';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import { bullPrefix } from '../core/scope.js';
import { systemClock, type Clock } from '../maintenance/clock.js';
import { announceLine, announceTargets, announcement, endLine, reminderLine, startLine, topicChange, withTopic } from '../maintenance/messages.js';
import { endJobId, MAINTENANCE_QUEUE, MaintenanceScheduler, stepJobId, type StepJob } from '../maintenance/schedule.js';
import { MaintenanceStore } from '../maintenance/store.js';
import { Outboxes, type QueueContext } from './queues.js';
import { errorLogger } from '../core/outage-log.js';

export interface AnnouncerOptions {
  queues: QueueContext;
  config: Config;
  log: Logger;
  clock?: Clock;
}

export interface Announcer {
  worker: Worker<StepJob>;
  scheduler: MaintenanceScheduler;
  store: MaintenanceStore;
  close(): Promise<void>;
}

/**
 * One delayed step of a window → its line on every announce channel. The window is read again first:
 * a cancelled window, a step made stale by an extension, or a reminder whose window already began is
 * dropped. A step is posted at least once and, short of a crash between posting and marking, at most
 * once: the marker is checked first, and outbox jobs carry ids derived from the step's.
 */
async function runStep(step: StepJob, o: { store: MaintenanceStore; config: Config; clock: Clock; outboxes: Outboxes }): Promise<string> {
  const w = await o.store.get(step.windowId);
  if (!w || w.state !== 'scheduled') return 'skipped: window cancelled or gone';
  const now = o.clock.now();
  let line: string;
  let topic: 'start' | 'end' | undefined;
  let marker: string = stepJobId(w.id, step.step);
  if (step.step === 'announce') {
    if (now >= w.start) return 'skipped: already started (the start says it)';
    line = announceLine(w, now);
  } else if (step.step.startsWith('remind-')) {
    if (now >= w.start) return 'skipped: reminder after the start';
    line = reminderLine(w, now);
  } else if (step.step === 'start') {
    if (step.at !== w.start || now >= w.end) return 'skipped: stale start';
    line = startLine(w, now);
    topic = 'start';
  } else {
    if (step.at !== w.end) return 'skipped: end moved (extended)';
    marker = endJobId(w);
    line = endLine(w, now);
    topic = 'end';
  }
  if (await o.store.wasSent(w.id, marker)) return 'skipped: sent already';
  const targets = announceTargets(o.config, w.service);
  let i = 0;
  for (const t of targets) await o.outboxes.post(withTopic(announcement(t, [line]), topic && topicChange(o.config, w, topic, now)), `${marker}-${i++}`);
  await o.store.markSent(w.id, marker, w.end);
  return `posted to ${targets.length} channel(s)`;
}

/** The worker of the `maintenance` queue, plus a reconcile of every window still to come. Runs with the processors (worker/all roles). */
export async function startAnnouncer(o: AnnouncerOptions): Promise<Announcer> {
  const clock = o.clock ?? systemClock;
  const store = new MaintenanceStore(o.queues);
  const scheduler = new MaintenanceScheduler(o.queues, o.config.maintenance.remindBefore, clock);
  const outboxes = new Outboxes(o.queues);
  const worker = new Worker<StepJob>(
    MAINTENANCE_QUEUE,
    async (job: Job<StepJob>) => {
      const what = await runStep(job.data, { store, config: o.config, clock, outboxes });
      o.log.info({ jobId: job.id, windowId: job.data.windowId, step: job.data.step, what }, 'maintenance step');
      return what;
    },
    { connection: o.queues.connection, prefix: bullPrefix(o.queues.prefix, MAINTENANCE_QUEUE), concurrency: 1 },
  );
  worker.on('error', errorLogger(o.log, 'maintenance worker error'));
  const windows = await scheduler.reconcile(store).catch((err: unknown) => (o.log.error({ err }, 'maintenance reconcile failed'), 0));
  if (windows) o.log.info({ windows }, 'maintenance windows reconciled');
  return {
    worker,
    scheduler,
    store,
    async close() {
      await worker.close();
      await scheduler.close();
      await outboxes.close();
    },
  };
}
