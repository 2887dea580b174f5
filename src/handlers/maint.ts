// `maint`: announce a maintenance window on every channel of a service, list, cancel, extend.
// The delayed announcements themselves are the announcer's (src/jobs/announce.ts).
import { PermissionDeniedError, UsageError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { plain, type Line } from '../core/parts.js';
import type { Identity, JobData, JobResult } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import { DEFAULT_LIMITS, MAINT_USAGE, parseMaintArgs, type MaintLimits, type MaintRequest } from '../maintenance/args.js';
import { formatDuration, parseDuration, relative } from '../maintenance/duration.js';
import { announceTargets, announcement, cancelLine, describeTargets, extendLine, listLine, topicChange, withTopic } from '../maintenance/messages.js';
import { MaintenanceScheduler } from '../maintenance/schedule.js';
import { MaintenanceStore, windowLabel, type MaintenanceWindow } from '../maintenance/store.js';
import { utc, utcRange } from '../maintenance/when.js';
import { defineVerb, type RunContext } from './verb.js';

/**
 * How `maint` is checked against a service's permissions. The chat verb is global (`maint superset …`
 * names the service as an argument, and `maint cancel 3` only knows it once the window is read), so
 * the parser cannot check it: `check` checks creation, `run` checks every change again.
 */
export const MAINT_SPEC: VerbSpec = {
  verb: 'maint',
  scope: 'service',
  mutating: true,
  environment: 'none',
  usage: MAINT_USAGE,
  summary: 'announce a maintenance window',
};

export function maintLimits(config: Config): MaintLimits {
  return {
    ...DEFAULT_LIMITS,
    maxDurationMs: parseDuration(config.maintenance.maxDuration) ?? DEFAULT_LIMITS.maxDurationMs,
    maxReasonChars: config.maintenance.maxReasonChars,
  };
}

export const maint = defineVerb({
  verb: 'maint',
  scope: 'global',
  // checked per service in `check` and `run` (see MAINT_SPEC); `maint list` is public
  mutating: false,
  needs: 'maint',
  environment: 'none',
  usage: MAINT_USAGE,
  summary: 'announce a maintenance window on every channel of a service (IRC and Slack), with reminders, start and end; list, cancel, extend',
  parse: ({ command, registry, config, now }) => parseMaintArgs(command.args, registry, now, maintLimits(config)),
  async check(ctx, req) {
    if (req.action === 'create') {
      const command = { ...ctx.command, service: req.service, ...(req.environment ? { environment: req.environment } : {}) };
      const decision = await ctx.access.authorize(ctx.identity, command, MAINT_SPEC);
      if (!decision.allowed) throw decision.error ?? new PermissionDeniedError(decision.reason);
    }
    return undefined;
  },
  run: (ctx, req, data) => runMaint(ctx, req, data),
});

const LIST_MAX = 10;

async function authorized(ctx: RunContext, requester: Identity, w: { service: string; environment?: string }, args: string[]): Promise<Identity> {
  const command = { service: w.service, verb: 'maint', ...(w.environment ? { environment: w.environment } : {}), args, requestId: '' };
  const decision = await ctx.access.authorize(requester, command, MAINT_SPEC, 'worker');
  if (!decision.allowed) throw decision.error ?? new PermissionDeniedError(decision.reason);
  return decision.identity;
}

function ok(lines: Line[]): JobResult {
  return { ok: true, summary: lines[0] ? plain(lines[0]) : '', lines };
}

async function postAll(ctx: RunContext, w: MaintenanceWindow, line: string, topic: { kind: 'extend' | 'end'; now: number }): Promise<string> {
  const targets = announceTargets(ctx.config, w.service);
  for (const t of targets) await ctx.post(withTopic(announcement(t, [line]), topicChange(ctx.config, w, topic.kind, topic.now)));
  return describeTargets(targets);
}

/** The `maint` command, in the worker (Redis is here). */
async function runMaint(ctx: RunContext, req: MaintRequest, data: JobData<MaintRequest>): Promise<JobResult> {
  const now = ctx.clock.now();
  const clock = ctx.clock;
  const store = new MaintenanceStore(ctx.scope);

  if (req.action === 'list') {
    const windows = await store.upcoming(now, req.service);
    if (!windows.length) return ok([`no maintenance scheduled${req.service ? ` for ${req.service}` : ''} (times in UTC; it is ${utc(now, now)})`]);
    const lines = windows.slice(0, LIST_MAX).map((w) => listLine(w, now));
    if (windows.length > LIST_MAX) lines.push(`+${windows.length - LIST_MAX} more`);
    return ok(lines);
  }

  const scheduler = new MaintenanceScheduler(ctx.scope, ctx.config.maintenance.remindBefore, clock);
  try {
    if (req.action === 'create') {
      const who = await authorized(ctx, data.requester, req, data.command.args);
      const { window: w, created } = await store.create({
        service: req.service,
        ...(req.environment ? { environment: req.environment } : {}),
        start: req.start,
        end: req.end,
        reason: req.reason,
        who: { nick: data.requester.nick, network: data.requester.network, ...(who.user ? { user: who.user } : {}) },
        createdAt: now,
      });
      await scheduler.schedule(w); // no-op for steps already there (a re-sent command)
      const where = describeTargets(announceTargets(ctx.config, w.service));
      if (!created)
        return ok([
          `already scheduled as maintenance #${w.id}: ${windowLabel(w)} ${utcRange(w.start, w.end, now)} (${relative(w.start, now)}); nothing announced twice`,
        ]);
      const reminders = ctx.config.maintenance.remindBefore.filter((r) => (parseDuration(r) ?? 0) > 0 && w.start - (parseDuration(r) ?? 0) > now + 60_000);
      const when =
        w.start <= now
          ? `now until ${utc(w.end, now)} (${formatDuration(w.end - w.start)})`
          : `${utcRange(w.start, w.end, now)} (${relative(w.start, now)}, for ${formatDuration(w.end - w.start)})`;
      return ok([
        `maintenance #${w.id} scheduled: ${windowLabel(w)} ${when}; announced on ${where}${reminders.length ? `; reminders ${reminders.join(', ')} before` : ''}; maint cancel ${w.id} / maint extend ${w.id} <duration>`,
      ]);
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
    if (end - w.start > max)
      throw new UsageError(
        `maintenance #${w.id} would last ${formatDuration(end - w.start)}, longer than the limit of ${formatDuration(max)} (maintenance.maxDuration)`,
      );
    const extended = (await store.extend(w.id, end))!;
    await scheduler.moveEnd(w, extended);
    const where = await postAll(ctx, extended, extendLine(extended, w.end, by, now), { kind: 'extend', now });
    return ok([`maintenance #${w.id} now ends ${utc(end, now)} (${relative(end, now)}); said so on ${where}`]);
  } finally {
    await scheduler.close();
  }
}
