// Maintenance in the worker: the `maint` command (create, list, cancel, extend) and the processor of
// the delayed announcement jobs on the `maintenance` queue (announce, reminders, start, end).
import { Worker, type Job } from 'bullmq';
import { PermissionDeniedError, UsageError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { Identity, JobResult } from '../core/types.js';
import { MAINT_SPEC, maintLimits } from '../handlers/maint.js';
import { parseMaintArgs } from '../maintenance/args.js';
import { systemClock, type Clock } from '../maintenance/clock.js';
import { formatDuration, parseDuration, relative } from '../maintenance/duration.js';
import {
  announceLine, announceTargets, announcement, cancelLine, describeTargets, endLine, extendLine, listLine, reminderLine, startLine, topicChange, withTopic,
} from '../maintenance/messages.js';
import { endJobId, MAINTENANCE_QUEUE, MaintenanceScheduler, stepJobId, type StepJob } from '../maintenance/schedule.js';
import { MaintenanceStore, windowLabel, type MaintenanceWindow } from '../maintenance/store.js';
import { utc, utcRange } from '../maintenance/when.js';
import { Outboxes, type QueueContext } from './queues.js';
import type { Processor, ProcessorContext } from './types.js';

const LIST_MAX = 10;

async function authorized(ctx: ProcessorContext, requester: Identity, w: { service: string; environment?: string }, args: string[]): Promise<Identity> {
  const command = { service: w.service, verb: 'maint', ...(w.environment ? { environment: w.environment } : {}), args, requestId: '' };
  const decision = await ctx.access.authorize(requester, command, MAINT_SPEC, 'worker');
  if (!decision.allowed) throw decision.error ?? new PermissionDeniedError(decision.reason);
  return decision.identity;
}

function ok(lines: string[]): JobResult {
  return { ok: true, summary: lines[0] ?? '', lines };
}

async function postAll(ctx: ProcessorContext, w: MaintenanceWindow, line: string, topic: { kind: 'extend' | 'end'; now: number }): Promise<string> {
  const targets = announceTargets(ctx.config, w.service);
  for (const t of targets) await ctx.post(withTopic(announcement(t, [line]), topicChange(ctx.config, t, w, topic.kind, topic.now)));
  return describeTargets(targets);
}

/** The `maint` command, in the worker (Redis is here): `clock` is injectable for tests. */
export function makeMaintProcessor(clock: Clock = systemClock): Processor {
  return async (data, ctx) => {
    const now = clock.now();
    const req = parseMaintArgs(data.command.args, ctx.registry, now, maintLimits(ctx.config));
    const store = new MaintenanceStore(ctx.queues.connection, ctx.queues.prefix);

    if (req.action === 'list') {
      const windows = await store.upcoming(now, req.service);
      if (!windows.length) return ok([`no maintenance scheduled${req.service ? ` for ${req.service}` : ''} (times in UTC; it is ${utc(now, now)})`]);
      const lines = windows.slice(0, LIST_MAX).map((w) => listLine(w, now));
      if (windows.length > LIST_MAX) lines.push(`+${windows.length - LIST_MAX} more`);
      return ok(lines);
    }

    const scheduler = new MaintenanceScheduler(ctx.queues, ctx.config.maintenance.remindBefore, clock);
    try {
      if (req.action === 'create') {
        const who = await authorized(ctx, data.requester, req, data.command.args);
        const { window: w, created } = await store.create({
          service: req.service, ...(req.environment ? { environment: req.environment } : {}), start: req.start, end: req.end, reason: req.reason,
          who: { nick: data.requester.nick, network: data.requester.network, ...(who.user ? { user: who.user } : {}) }, createdAt: now,
        });
        await scheduler.schedule(w); // no-op for steps already there (a re-sent command)
        const where = describeTargets(announceTargets(ctx.config, w.service));
        if (!created) return ok([`already scheduled as maintenance #${w.id}: ${windowLabel(w)} ${utcRange(w.start, w.end, now)} (${relative(w.start, now)}); nothing announced twice`]);
        const reminders = ctx.config.maintenance.remindBefore.filter((r) => (parseDuration(r) ?? 0) > 0 && w.start - (parseDuration(r) ?? 0) > now + 60_000);
        const when = w.start <= now
          ? `now until ${utc(w.end, now)} (${formatDuration(w.end - w.start)})`
          : `${utcRange(w.start, w.end, now)} (${relative(w.start, now)}, for ${formatDuration(w.end - w.start)})`;
        return ok([`maintenance #${w.id} scheduled: ${windowLabel(w)} ${when}; announced on ${where}${reminders.length ? `; reminders ${reminders.join(', ')} before` : ''}; maint cancel ${w.id} / maint extend ${w.id} <duration>`]);
      }

      const w = await store.get(req.id);
      if (!w) throw new UsageError(`no maintenance #${req.id} (see maint list)`);
      if (w.state === 'cancelled') throw new UsageError(`maintenance #${w.id} was cancelled already${w.cancelledBy ? ` by ${w.cancelledBy}` : ''}`);
      if (w.end <= now) throw new UsageError(`maintenance #${w.id} is over already (ended ${utc(w.end, now)})`);
      const who = await authorized(ctx, data.requester, w, data.command.args);
      const by = who.user ?? who.nick;

      if (req.action === 'cancel') {
        const cancelled = (await store.cancel(w.id, by, now))!;
        await scheduler.unschedule(cancelled);
        const where = await postAll(ctx, w, cancelLine(w, by, now), { kind: 'end', now });
        return ok([`maintenance #${w.id} ${w.start <= now ? 'ended early' : 'cancelled'}; said so on ${where}`]);
      }

      const end = w.end + req.byMs;
      const max = maintLimits(ctx.config).maxDurationMs;
      if (end - w.start > max) throw new UsageError(`maintenance #${w.id} would last ${formatDuration(end - w.start)}, longer than the limit of ${formatDuration(max)} (maintenance.maxDuration)`);
      const extended = (await store.extend(w.id, end))!;
      await scheduler.moveEnd(w, extended);
      const where = await postAll(ctx, extended, extendLine(extended, w.end, by, now), { kind: 'extend', now });
      return ok([`maintenance #${w.id} now ends ${utc(end, now)} (${relative(end, now)}); said so on ${where}`]);
    } finally {
      await scheduler.close();
    }
  };
}

export const maintProcessor: Processor = makeMaintProcessor();

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
  for (const t of targets) await o.outboxes.post(withTopic(announcement(t, [line]), topic && topicChange(o.config, t, w, topic, now)), `${marker}-${i++}`);
  await o.store.markSent(w.id, marker, w.end);
  return `posted to ${targets.length} channel(s)`;
}

/** The worker of the `maintenance` queue, plus a reconcile of every window still to come. Runs with the processors (worker/all roles). */
export async function startAnnouncer(o: AnnouncerOptions): Promise<Announcer> {
  const clock = o.clock ?? systemClock;
  const store = new MaintenanceStore(o.queues.connection, o.queues.prefix);
  const scheduler = new MaintenanceScheduler(o.queues, o.config.maintenance.remindBefore, clock);
  const outboxes = new Outboxes(o.queues);
  const worker = new Worker<StepJob>(
    MAINTENANCE_QUEUE,
    async (job: Job<StepJob>) => {
      const what = await runStep(job.data, { store, config: o.config, clock, outboxes });
      o.log.info({ jobId: job.id, windowId: job.data.windowId, step: job.data.step, what }, 'maintenance step');
      return what;
    },
    { connection: o.queues.connection, prefix: o.queues.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => o.log.error({ err }, 'maintenance worker error'));
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

