// The announcements of a window as BullMQ delayed jobs on the `maintenance` queue, one per step, with
// deterministic job ids (`maint-<id>-<step>`; BullMQ 6 refuses most ids containing ':'). Adding a job
// whose id exists is a no-op, so a restart, a second process or a re-sent command never adds a step
// twice; `reconcile()` re-adds whatever a crash may have lost. Delays are computed from the injected
// clock, and `promoteDue()` lets tests run what is due on a hand-moved clock without waiting.
import { Queue } from 'bullmq';
import { bullPrefix, type RedisScope as QueueContext } from '../core/scope.js';
import type { Clock } from './clock.js';
import { parseDuration } from './duration.js';
import type { Step } from './messages.js';
import type { MaintenanceStore, MaintenanceWindow } from './store.js';

export const MAINTENANCE_QUEUE = 'maintenance';

export interface StepJob {
  windowId: number;
  step: Step;
  /** When it is due (ms since epoch). */
  at: number;
}

export function stepJobId(windowId: number, step: Step): string {
  return `maint-${windowId}-${step}`;
}

/** The end step's job id moves with each extension, so the old end (if still queued) can never stand for the new one. */
export function endJobId(w: MaintenanceWindow): string {
  return w.extensions ? `${stepJobId(w.id, 'end')}-${w.extensions}` : stepJobId(w.id, 'end');
}

/** Every step of a window with its due time: announce (unless it starts now), reminders still ahead, start, end. */
export function plannedSteps(w: MaintenanceWindow, remindBefore: string[]): (StepJob & { jobId: string })[] {
  const steps: (StepJob & { jobId: string })[] = [];
  const add = (step: Step, at: number, jobId = stepJobId(w.id, step)) => steps.push({ windowId: w.id, step, at, jobId });
  if (w.start > w.createdAt + 30_000) add('announce', w.createdAt);
  for (const label of remindBefore) {
    const before = parseDuration(label);
    if (!before) continue;
    const at = w.start - before;
    // a reminder right after (or before) the first announcement says nothing new
    if (at > w.createdAt + 60_000) add(`remind-${label}`, at);
  }
  add('start', w.start);
  add('end', w.end, endJobId(w));
  return steps;
}

export class MaintenanceScheduler {
  readonly queue: Queue<StepJob>;

  constructor(
    queues: QueueContext,
    private readonly remindBefore: string[],
    private readonly clock: Clock,
  ) {
    this.queue = new Queue<StepJob>(MAINTENANCE_QUEUE, {
      connection: queues.connection,
      prefix: bullPrefix(queues.prefix, MAINTENANCE_QUEUE),
      // kept after completion, so a re-add of the same id stays a no-op for a week
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 7 * 86400 },
        removeOnFail: { age: 30 * 86400 },
      },
    });
    // a Redis outage is reported by the workers and by each failed add (unheard, BullMQ prints every event)
    this.queue.on('error', () => {});
  }

  async schedule(w: MaintenanceWindow): Promise<void> {
    const now = this.clock.now();
    for (const s of plannedSteps(w, this.remindBefore)) {
      const { jobId, ...data } = s;
      await this.queue.add(s.step, data, { jobId, delay: Math.max(0, s.at - now) });
    }
  }

  /** Remove every step still waiting (cancel); a step already running checks the window itself. */
  async unschedule(w: MaintenanceWindow): Promise<void> {
    const ids = new Set(plannedSteps({ ...w, createdAt: 0 }, this.remindBefore).map((s) => s.jobId));
    for (let k = 0; k <= w.extensions; k++) ids.add(k ? `${stepJobId(w.id, 'end')}-${k}` : stepJobId(w.id, 'end'));
    for (const id of ids) await this.removeIfWaiting(id);
  }

  /** After an extension: drop the old end, add the new one. */
  async moveEnd(before: MaintenanceWindow, after: MaintenanceWindow): Promise<void> {
    await this.removeIfWaiting(endJobId(before));
    await this.queue.add(
      'end',
      { windowId: after.id, step: 'end', at: after.end },
      { jobId: endJobId(after), delay: Math.max(0, after.end - this.clock.now()) },
    );
  }

  private async removeIfWaiting(id: string): Promise<void> {
    const job = await this.queue.getJob(id);
    if (!job) return;
    const state = await job.getState();
    if (state === 'delayed' || state === 'waiting' || state === 'prioritized') await job.remove().catch(() => {});
  }

  /** Re-add the steps of every window still to come (ids make it a no-op for those already there). */
  async reconcile(store: MaintenanceStore): Promise<number> {
    const windows = await store.upcoming(this.clock.now());
    for (const w of windows) await this.schedule(w);
    return windows.length;
  }

  /** Run now every delayed step whose time has come on the (injected) clock. */
  async promoteDue(): Promise<number> {
    const now = this.clock.now();
    let n = 0;
    for (const job of await this.queue.getDelayed(0, -1)) {
      if (job.data.at <= now) {
        await job.promote().catch(() => {});
        n++;
      }
    }
    return n;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
