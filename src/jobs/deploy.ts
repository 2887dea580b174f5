// Deploy, restart and roll-out jobs; the clean-up when a deploy's worker died.
import { hostname } from 'node:os';
import { PermissionDeniedError, UsageError, UserError } from '../core/errors.js';
import type { JobData, JobResult } from '../core/types.js';
import { refuseExtraArgs } from '../deploy/args.js';
import { DURING_MAINTENANCE } from '../maintenance/blocks.js';
import { directoryUser, runDeploy, type DeployContext, type DeployResult, type RolloutStep } from '../deploy/engine.js';
import { announcements, typed } from '../deploy/format.js';
import { groupAlive, stopGroup } from '../deploy/process.js';
import { parseStepKey, rolloutSteps, stepKey, stepName } from '../deploy/rollout.js';
import { DeployStore, newCode, type PendingConfirmation } from '../deploy/store.js';
import { clock, humanDuration } from '../deploy/time.js';
import { deploy as deploySpec } from '../handlers/deploy.js';
import { commandQueue } from './queues.js';
import type { FailureHook, Processor, ProcessorContext } from './types.js';

/** Job data of a roll-out step: a deploy job that knows its place in the chain. */
export interface DeployJobData extends JobData {
  rollout?: RolloutStep;
}

export function deployStore(ctx: Pick<ProcessorContext, 'queues'>): DeployStore {
  return new DeployStore(ctx.queues.connection, ctx.queues.prefix);
}

export function deployContext(ctx: ProcessorContext): DeployContext {
  return {
    config: ctx.config, registry: ctx.registry, access: ctx.access, log: ctx.log, post: ctx.post,
    store: deployStore(ctx), jobId: String(ctx.job.id),
  };
}

/** Follow-up jobs (the next roll-out step, a confirmed roll-out's first step) go on the same queue. */
export async function enqueue(ctx: Pick<ProcessorContext, 'queues'>, data: JobData): Promise<string> {
  const q = commandQueue(ctx.queues);
  try {
    const job = await q.add(data.kind, data);
    return String(job.id);
  } finally {
    await q.close();
  }
}

function environmentOf(data: JobData): string {
  const env = data.command.environment;
  if (!env) throw new UsageError(`${data.command.service} ${data.command.verb} <env>: which environment?`);
  return env;
}

export const deployProcessor: Processor = async (data, ctx) => {
  refuseExtraArgs(data.command); // the handler refused already; queued data is checked again all the same
  const d = data as DeployJobData;
  if (d.rollout) return rolloutStepProcessor(d, ctx);
  return runDeploy(deployContext(ctx), { verb: 'deploy', service: data.command.service, environment: environmentOf(data), requester: data.requester, replyTo: data.replyTo, duringMaintenance: data.command.args.includes(DURING_MAINTENANCE) });
};

export const restartProcessor: Processor = async (data, ctx) => {
  refuseExtraArgs(data.command);
  return runDeploy(deployContext(ctx), { verb: 'restart', service: data.command.service, environment: environmentOf(data), requester: data.requester, replyTo: data.replyTo, duringMaintenance: data.command.args.includes(DURING_MAINTENANCE) });
};

function stepData(base: JobData, r: RolloutStep): DeployJobData {
  const s = parseStepKey(r.steps[r.index]!);
  return {
    kind: 'deploy',
    command: { service: s.service, verb: 'deploy', environment: s.environment, args: [], requestId: `${base.command.requestId}/${r.index + 1}` },
    requester: base.requester,
    replyTo: base.replyTo,
    queuedAt: Date.now(),
    rollout: r,
  };
}

/** Starts a roll-out chain at its first step: each step enqueues the next only once it succeeded. */
export async function startRollout(ctx: Pick<ProcessorContext, 'queues'>, base: JobData, group: string, steps: string[], id: string, confirmedBy?: string): Promise<string> {
  const r: RolloutStep = { group, steps, index: 0, id, ...(confirmedBy ? { confirmedBy } : {}) };
  return enqueue(ctx, stepData(base, r));
}

async function rolloutStepProcessor(d: DeployJobData, ctx: ProcessorContext): Promise<JobResult> {
  const r = d.rollout!;
  const n = r.steps.length;
  const here = `${d.command.service} ${d.command.environment}`;
  const remaining = r.steps.slice(r.index + 1).map((k) => stepName(parseStepKey(k)));
  const stoppedLine = `rollout ${r.group} stopped at ${here} (step ${r.index + 1}/${n})`;
  const notStarted = remaining.length ? `not started: ${remaining.join(', ')}` : 'it was the last step';
  let result: DeployResult;
  try {
    result = await runDeploy(deployContext(ctx), { verb: 'deploy', service: d.command.service, environment: environmentOf(d), requester: d.requester, replyTo: d.replyTo, rollout: r });
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${stoppedLine}: ${e.message}; ${notStarted}`);
    throw e;
  }
  if (!result.ok) return { ...result, lines: [...result.lines, `${stoppedLine}; ${notStarted}`] };
  if (r.index + 1 < n) {
    const next: RolloutStep = { ...r, index: r.index + 1 };
    await enqueue(ctx, stepData(d, next));
    return { ...result, lines: [...result.lines, `rollout ${r.group}: ${r.index + 1}/${n} done, next: ${remaining[0]}`] };
  }
  return { ...result, lines: [...result.lines, `rollout ${r.group} done: ${n}/${n} environments deployed`] };
}

/** `rollout <group>`: check every step, ask for a confirmation if a step needs one, then start the chain. */
export const rolloutProcessor: Processor = async (data, ctx) => {
  const group = (data.command.args[0] ?? '').toLowerCase();
  const steps = rolloutSteps(ctx.config, ctx.registry, group);
  if (!steps.length) throw new UserError(`rollout ${group}: no deployable environments`);
  for (const s of steps) {
    const dcn = await ctx.access.authorize(data.requester, { service: s.service, verb: 'deploy', environment: s.environment, args: [], requestId: data.command.requestId }, deploySpec, 'worker');
    if (!dcn.allowed) throw new PermissionDeniedError(`rollout ${group} includes ${stepName(s)}: ${dcn.error?.message ?? dcn.reason}`);
  }
  const keys = steps.map(stepKey);
  const order = steps.map(stepName).join(', then ');
  const net = data.replyTo.network;
  const needing = steps.filter((s) => ctx.registry.environment(s.service, s.environment).confirm);
  if (needing.length) {
    const who = await directoryUser(ctx.access, data.requester);
    const store = deployStore(ctx);
    const minutes = ctx.config.deploy.confirmMinutes;
    const p: PendingConfirmation = {
      code: newCode(), verb: 'rollout', service: '', group, requester: who, replyTo: data.replyTo, requestId: data.command.requestId,
      createdAt: Date.now(), expiresAt: Date.now() + minutes * 60_000, summary: order, jobId: String(ctx.job.id),
    };
    await store.savePending(p);
    return {
      ok: true,
      summary: `rollout ${group}: ${order}`,
      lines: [
        `rollout ${group}: ${order} (${needing.map(stepName).join(', ')} ask${needing.length === 1 ? 's' : ''} for a confirmation)`,
        `to go ahead, say within ${humanDuration(minutes * 60_000)}: ${typed(net, `confirm ${p.code}`)} (or ${typed(net, `cancel ${p.code}`)})`,
      ],
    };
  }
  await startRollout(ctx, data, group, keys, String(ctx.job.id));
  const line = `rollout ${group}: ${steps.length} environment${steps.length === 1 ? '' : 's'} one after another: ${order}; stops at the first failure`;
  return { ok: true, summary: line, lines: [line] };
};

/**
 * The worker running a deploy died (BullMQ failed the job as stalled): stop what it left running on this
 * host, free the lock now rather than at its TTL, tell the channels that saw it start. Never re-run it.
 */
export const deployFailed: FailureHook = async (job, reason, ctx) => {
  const store = deployStore(ctx);
  const r = await store.running(String(job.id));
  if (!r) return [`${job.data.kind} job ${job.id} stopped: its worker died (${reason}); it is not re-run — say it again if it is still needed`];
  let what = '';
  let keepLockUntil: number | undefined;
  if (r.pgid) {
    if (r.host === hostname()) {
      if (groupAlive(r.pgid)) {
        await stopGroup(r.pgid, ctx.config.deploy.killGraceSeconds * 1000);
        what = `; the helmfile/helm it left running (process group ${r.pgid}) was stopped`;
      }
    } else {
      // it cannot be stopped from here: keep others out for as long as it could still run
      keepLockUntil = Date.now() + ctx.config.deploy.timeoutMinutes * 60_000;
      what = `; its helmfile/helm may still be running on ${r.host} (process group ${r.pgid}): ${r.service} ${r.environment} stays locked until ${clock(keepLockUntil)}`;
    }
  }
  if (keepLockUntil) await store.renew(r.service, r.environment, r.jobId, keepLockUntil - Date.now());
  else await store.release(r.service, r.environment, r.jobId);
  await store.clearRunning(r.jobId);
  const label = `${r.service} ${r.environment}`;
  const line = `${r.verb} of ${label} by ${r.user} (job ${r.jobId}) was INTERRUPTED after ${humanDuration(Date.now() - r.startedAt)}: its worker stopped (${reason})${what}. Not re-run: check ${typed(job.data.replyTo.network, `${r.service} status ${r.environment}`)} and deploy again if needed`;
  const lines = [line];
  if (r.rollout) lines.push(`rollout ${r.rollout.group} stopped at ${label} (step ${r.rollout.index + 1}/${r.rollout.total}); ${r.rollout.remaining.length ? `not started: ${r.rollout.remaining.map((k) => stepName(parseStepKey(k))).join(', ')}` : 'it was the last step'}`);
  if (r.announced) {
    const end = `${label}: ${r.verb} by ${r.user} INTERRUPTED (worker stopped); not re-run`;
    await Promise.all(announcements(ctx.config, r.service, [end], job.data.replyTo).map((m) => ctx.post(m).catch(() => {})));
  }
  return lines;
};
