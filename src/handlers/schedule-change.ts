// Scheduled changes, for every verb whose spec says `schedulable` (deploy, restart, rollback, flag,
// upgrade, stop, start): one mechanism beside the verbs, so none of them knows about time.
//  1. `superset deploy production at 14:00 UTC`: the gateway reads the time and queues the command with
//     `schedule`; here it is scheduled — or, where the environment asks for a confirmation (or
//     approvals), the plan is shown and the question asked now; the confirmation (or the last approval)
//     then schedules it (scheduleConfirmed, from confirm.ts).
//  2. A scheduled change is a record in Redis (src/deploy/scheduled.ts) and a delayed BullMQ job whose
//     id is the change's (`sched-3`): added once, run once, whichever processes restart in between.
//     Announced on every channel of the service when scheduled and when it starts.
//  3. At its time (`scheduled`): the record is claimed (one run; none once cancelled), the requester's
//     permission and the confirmer's and approvers' groups are read from the directory again, then the
//     verb runs as it would now: freeze, maintenance, lock, a fresh diff. Confirmed when scheduled, it
//     does not ask again (the diff of that moment is applied and shown in the start announcement). A
//     refusal is announced on every channel, like the start.
import { PermissionDeniedError, toUserLine, toUserParts, UserError } from '../core/errors.js';
import { append, cmd, line, plain, toParts, type Line } from '../core/parts.js';
import type { RedisScope } from '../core/scope.js';
import type { Identity, JobData, JobResult } from '../core/types.js';
import { approvalRefusal, asksConfirmation, confirmationActions, names, whoMayApprove, type Approval } from '../deploy/approvals.js';
import { directoryUser, type DeployResult } from '../deploy/engine.js';
import { announcements, progress } from '../deploy/format.js';
import { ScheduledStore, type ScheduledChange } from '../deploy/scheduled.js';
import { DeployStore, newCode, type PendingConfirmation } from '../deploy/store.js';
import { humanDuration } from '../deploy/time.js';
import { HistoryStore } from '../history/store.js';
import { commandQueue } from '../jobs/queues.js';
import { formatDuration, relative } from '../maintenance/duration.js';
import { utc } from '../maintenance/when.js';
import { deploy as deploySpec } from './deploy.js';
import type { RunContext, Verb } from './verb.js';

const CONFIRM_VERBS = new Set(['deploy', 'restart', 'rollback', 'stop', 'start']);

/**
 * How late a change may still start. BullMQ runs a delayed job whenever a worker is next there; a 14:00
 * deploy that would start at 17:00 because no worker ran meanwhile is not what anyone planned for.
 */
export const LATE_LIMIT_MS = 15 * 60_000;

/** `deploy`, `flag ALERT_REPORTS on`, `rollback 41`: the verb and its words, without the environment. */
function action(data: JobData): string {
  return [data.command.verb, ...data.command.args].join(' ');
}

function label(c: { service: string; environment?: string }): string {
  return c.environment ? `${c.service} ${c.environment}` : c.service;
}

function byWhom(c: ScheduledChange): string {
  const confirmer = c.confirmed?.by.user ?? c.confirmed?.by.nick;
  if (c.approvedBy?.length) return `${c.requester.user}, approved by ${names(c.approvedBy.map((a) => ({ user: a.user ?? a.nick })))}`;
  return `${c.requester.user}${confirmer && confirmer !== c.requester.user ? `, confirmed by ${confirmer}` : ''}`;
}

/** `superset production: deploy scheduled for 14:00 UTC (in 1h 30m) by alice (sched-3; to cancel: !cancel sched-3)` */
export function scheduledLine(c: ScheduledChange, now = Date.now()): Line {
  return line`${label(c)}: ${c.what} scheduled for ${utc(c.at, now)} (${relative(c.at, now)}) by ${byWhom(c)} (${c.id}; to cancel: ${cmd(`cancel ${c.id}`)})`;
}

/** One line of `scheduled`: `sched-3 superset production: deploy at 14:00 UTC (in 1h 30m) by alice — !cancel sched-3` */
export function listLine(c: ScheduledChange, now = Date.now()): Line {
  return line`${c.id} ${label(c)}: ${c.what} at ${utc(c.at, now)} (${relative(c.at, now)}) by ${byWhom(c)} — ${cmd(`cancel ${c.id}`)}`;
}

/** To every channel of the service except the one the job answers in (that one gets the job's result). */
async function tell(ctx: RunContext, c: { service: string }, lines: Line[], except: JobData['replyTo']): Promise<void> {
  await Promise.all(
    announcements(ctx.config, c.service, lines, except).map((m) => ctx.post(m).catch((err: unknown) => ctx.log.warn({ err }, 'announcement failed'))),
  );
}

function refused(text: Line): UserError {
  const e = new UserError(plain(text));
  e.line = text;
  return e;
}

/** Step 1: a command asked with a time. Scheduled at once, or (production) asked for its confirmation first. */
export async function requestSchedule(ctx: RunContext, data: JobData): Promise<JobResult> {
  const at = data.schedule!.at;
  const now = Date.now();
  if (at <= now) throw refused(`${utc(at, now)} passed while the request waited: nothing was scheduled`);
  const who = await directoryUser(ctx.access, data.requester);
  const { schedule: _s, ...rest } = data;
  const job: JobData = { ...rest, kind: data.command.verb };
  const c = data.command;
  const env = c.environment ? ctx.registry.environment(c.service, c.environment) : undefined;
  if (!env || !asksConfirmation(env)) return schedule(ctx, job, who, at, {}, data.replyTo);

  const settings = ctx.config.deploy;
  const approval = env.approvals;
  const pending: PendingConfirmation = {
    code: newCode(),
    // what the confirmer must be allowed to do: the verb itself, or (a flag, an upgrade) a deploy
    verb: (CONFIRM_VERBS.has(c.verb) ? c.verb : 'deploy') as PendingConfirmation['verb'],
    service: c.service,
    environment: c.environment!,
    requester: who,
    replyTo: data.replyTo,
    requestId: ctx.jobId,
    createdAt: now,
    expiresAt: now + settings.confirmMinutes * 60_000,
    summary: `${action(job)} at ${utc(at, now)}`,
    jobId: ctx.jobId,
    schedule: { at, data: job },
    ...(approval ? { approval } : {}),
  };
  await new DeployStore(ctx.scope).savePending(pending);
  const code = pending.code;
  const within = humanDuration(settings.confirmMinutes * 60_000);
  const head = line`${label(c)}: ${action(job)} at ${utc(at, now)} (${relative(at, now)}) asks for ${approval ? 'approvals' : 'a confirmation'} now. At that time permission, freeze, maintenance and the lock are checked again and the diff of that moment is applied without asking again (what it would be now: ${cmd(`${c.service} diff ${c.environment}`)})`;
  const ask = approval
    ? line`to schedule it, this needs ${whoMayApprove(approval, who.user)} within ${within}: ${cmd(`approve ${code}`)} (to drop it: ${cmd(`cancel ${code}`)})`
    : line`to schedule it, say within ${within}: ${cmd(`confirm ${code}`)} (or ${cmd(`cancel ${code}`)})`;
  return { ok: true, summary: plain(head), lines: [head, ask], actions: confirmationActions(code, pending.expiresAt, approval) };
}

/** A scheduled change was confirmed (or got its last approval): schedule it now, noting who. */
export async function scheduleConfirmed(ctx: RunContext, p: PendingConfirmation, data: JobData, by: Identity, approvals?: Approval[]): Promise<JobResult> {
  const s = p.schedule!;
  const now = Date.now();
  if (s.at <= now) {
    throw refused(line`${utc(s.at, now)} has passed: the ${action(s.data)} of ${label(p)} was not scheduled; ask again with a later time`);
  }
  const approvedBy = approvals?.map((a) => ({ network: a.network, nick: a.nick, user: a.user, ...(a.account ? { account: a.account } : {}) }));
  return schedule(
    ctx,
    s.data,
    p.requester as Identity & { user: string },
    s.at,
    { confirmed: { by, code: p.code }, ...(approvedBy ? { approvedBy } : {}) },
    data.replyTo,
  );
}

async function schedule(
  ctx: RunContext,
  job: JobData,
  who: Identity & { user: string },
  at: number,
  extra: Pick<ScheduledChange, 'confirmed' | 'approvedBy'>,
  answerTo: JobData['replyTo'],
): Promise<JobResult> {
  const store = new ScheduledStore(ctx.scope);
  const id = await store.newId();
  const data: JobData = { ...job, queuedAt: at, scheduled: { id } };
  const c = job.command;
  const change: ScheduledChange = {
    id,
    at,
    kind: job.kind,
    service: c.service,
    ...(c.environment ? { environment: c.environment } : {}),
    what: action(job),
    requester: who,
    ...extra,
    createdAt: Date.now(),
    state: 'scheduled',
    data,
  };
  await store.save(change);
  const queue = commandQueue(ctx.scope);
  try {
    // the change's id is the job's: a second add of it is a no-op, so it can run only once
    await queue.add(job.kind, data, { jobId: id, delay: Math.max(0, at - Date.now()) });
  } catch (e) {
    await store.cancel(id, 'deckhand');
    throw e;
  } finally {
    await queue.close();
  }
  // `jobs` lists it by its time until it runs (then the same record shows the run)
  await new HistoryStore(ctx.scope).scheduled(id, data).catch((err: unknown) => ctx.log.error({ err, id }, 'history write failed'));
  const l = scheduledLine(change);
  await tell(ctx, change, [l], answerTo);
  return { ok: true, summary: plain(l), lines: [l] };
}

/** Why the people behind the change may no longer make it (the directory read now), or nothing. */
async function stillAllowed(ctx: RunContext, verb: Verb<unknown>, c: ScheduledChange, data: JobData): Promise<Line | undefined> {
  const asked = await ctx.access.authorize(data.requester, data.command, verb, 'worker');
  if (!asked.allowed) return append(`${c.requester.user} may no longer do this: `, ...toParts(asked.error ? toUserParts(asked.error) : asked.reason));
  const confirmer = c.confirmed?.by;
  if (confirmer && !c.approvedBy?.length && (confirmer.user ?? confirmer.nick) !== c.requester.user) {
    const spec = CONFIRM_VERBS.has(data.command.verb) ? verb : { ...verb, verb: 'deploy', permission: 'deploy' };
    const d = await ctx.access.authorize(confirmer, { ...data.command, verb: spec.verb }, spec, 'worker');
    if (!d.allowed)
      return append(`${confirmer.user ?? confirmer.nick}, who confirmed it, may no longer: `, ...toParts(d.error ? toUserParts(d.error) : d.reason));
  }
  const policy = c.environment ? ctx.registry.environment(c.service, c.environment).approvals : undefined;
  if (policy) {
    const approvers = c.approvedBy ?? [];
    if (approvers.length < policy.required) return `it has ${approvers.length} of the ${policy.required} approvals ${label(c)} needs now`;
    for (const a of approvers) {
      const fresh = await ctx.access.identify(a, { fresh: true });
      const why = approvalRefusal(policy, c.requester.user, fresh, `${c.what} of ${label(c)}`);
      if (why) return `the approval of ${a.user ?? a.nick} no longer counts: ${why}`;
    }
  }
  return undefined;
}

/** Step 3: its time came. */
export async function runScheduled(ctx: RunContext, verb: Verb<unknown>, data: JobData): Promise<JobResult> {
  const id = data.scheduled!.id;
  const store = new ScheduledStore(ctx.scope);
  const c = await store.claim(id);
  if (!c) {
    const was = await store.get(id);
    const text =
      was?.state === 'cancelled' ? `${id} was cancelled${was.cancelledBy ? ` by ${was.cancelledBy}` : ''}: nothing ran` : `${id} ran already: not again`;
    return { ok: true, summary: text, lines: [text], cancelled: was?.state === 'cancelled' };
  }
  const { scheduled: _s, ...job } = data;
  const head = `${label(c)}: scheduled ${c.what} ${c.id} by ${c.requester.user} (for ${utc(c.at, Date.now())})`;
  const finish = async (r: JobResult, outcome: string, announce: Line | undefined): Promise<JobResult> => {
    if (announce) await tell(ctx, c, [announce], data.replyTo);
    await store.finish(id, outcome).catch((err: unknown) => ctx.log.error({ err, id }, 'scheduled change record not updated'));
    return r;
  };
  const notRun = (why: Line): Promise<JobResult> => {
    const l = append(`${head} did NOT run: `, ...toParts(why));
    return finish({ ok: false, summary: plain(l), lines: [l] }, `refused: ${plain(why)}`, l);
  };

  const late = Date.now() - c.at;
  if (late > LATE_LIMIT_MS) {
    return notRun(`it is ${formatDuration(late)} past its time (no worker ran it then), more than ${formatDuration(LATE_LIMIT_MS)}: schedule it again`);
  }
  const start = `${head} starts now: permission, freeze, maintenance and the lock are checked again, then a fresh diff`;
  await Promise.all([tell(ctx, c, [start], data.replyTo), ctx.post(progress(data.replyTo, start)).catch(() => {})]);

  try {
    const why = await stillAllowed(ctx, verb, c, job);
    if (why) return await notRun(why);
    const result = await verb.run!({ ...ctx, scheduled: { id, ...(c.confirmed ? { confirmed: { ...c.confirmed, ...approvalsOf(c) } } : {}) } }, job.args, job);
    const record = (result as Partial<DeployResult>).deploy;
    // the engine announced a run it started (start and end); anything else it only told the asker
    if (record?.announced) return await finish(result, record.outcome, undefined);
    if (record?.outcome === 'refused' || !result.ok) return await notRun(result.lines[0] ?? result.summary);
    return await finish(result, record?.outcome ?? 'done', append(`${head}: `, ...toParts(result.lines[0] ?? result.summary)));
  } catch (e) {
    if (!(e instanceof UserError)) ctx.log.error({ err: e, id }, 'scheduled change failed');
    return notRun(e instanceof PermissionDeniedError || e instanceof UserError ? toUserParts(e) : toUserLine(e));
  }
}

/**
 * Queues again every change still to come (a worker's start): a process that died between writing a
 * change and queuing its job leaves no change behind. Adding an id that is there is a no-op, and a
 * change whose job already ran is no longer `scheduled`, so nothing runs twice.
 */
export async function reconcileScheduled(scope: RedisScope): Promise<number> {
  const list = await new ScheduledStore(scope).list();
  if (!list.length) return 0;
  const queue = commandQueue(scope);
  try {
    for (const c of list) await queue.add(c.kind, c.data, { jobId: c.id, delay: Math.max(0, c.at - Date.now()) });
  } finally {
    await queue.close();
  }
  return list.length;
}

/** `cancel sched-3`: by the requester, or anyone allowed to deploy there. The delayed job goes too. */
export async function cancelScheduled(ctx: RunContext, id: string, data: JobData): Promise<JobResult> {
  const store = new ScheduledStore(ctx.scope);
  const c = await store.get(id);
  if (!c) throw new UserError(`nothing is scheduled as ${id} (see: <service> scheduled)`);
  if (c.state !== 'scheduled') {
    throw new UserError(
      `${id} (${c.what} of ${label(c)}) ${c.state === 'cancelled' ? `was cancelled already${c.cancelledBy ? ` by ${c.cancelledBy}` : ''}` : 'has started already: nothing to cancel'}`,
    );
  }
  const asker = await ctx.access.identify(data.requester, { fresh: true });
  if (!asker.user || asker.user !== c.requester.user) {
    const command = {
      service: c.service,
      verb: 'deploy',
      ...(c.environment ? { environment: c.environment } : {}),
      args: [],
      requestId: data.command.requestId,
    };
    const d = await ctx.access.authorize(data.requester, command, deploySpec, 'worker');
    if (!d.allowed) {
      const head = `only ${c.requester.user} or someone allowed to deploy ${label(c)} may cancel ${id}: `;
      const err = new PermissionDeniedError(head + (d.error?.message ?? d.reason));
      err.line = append(head, ...toParts(d.error ? toUserParts(d.error) : d.reason));
      throw err;
    }
  }
  const who = asker.user ?? asker.nick;
  if (!(await store.cancel(id, who))) throw new UserError(`${id} just started or was cancelled by someone else`);
  const queue = commandQueue(ctx.scope);
  try {
    const job = await queue.getJob(id);
    // should it fire anyway (a race with its time), the record says cancelled and it does nothing
    if (job && (await job.getState()) === 'delayed') await job.remove();
  } catch (err) {
    ctx.log.warn({ err, id }, 'could not remove the delayed job of a cancelled change');
  } finally {
    await queue.close();
  }
  const l = `${label(c)}: scheduled ${c.what} ${id} (for ${utc(c.at, Date.now())}, by ${c.requester.user}) cancelled by ${who}: it will not run`;
  await Promise.all([
    new HistoryStore(ctx.scope)
      .finished(id, c.data, { status: 'cancelled', summary: l })
      .catch((err: unknown) => ctx.log.error({ err, id }, 'history write failed')),
    tell(ctx, c, [l], data.replyTo),
  ]);
  return { ok: true, summary: l, lines: [l] };
}

function approvalsOf(c: ScheduledChange): { approvals?: Approval[] } {
  if (!c.approvedBy?.length) return {};
  return {
    approvals: c.approvedBy.map((a) => ({
      user: a.user ?? a.nick,
      nick: a.nick,
      network: a.network,
      ...(a.account ? { account: a.account } : {}),
      at: c.createdAt,
    })),
  };
}
