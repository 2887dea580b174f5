// `confirm <code>`: who may is decided against what they confirm — the requester, or anyone
// allowed to run that same command. `cancel` (cancel.ts) shares the checks.
import { PermissionDeniedError, toUserParts, UsageError, UserError } from '../core/errors.js';
import { append, cmd, line, plain, toParts } from '../core/parts.js';
import { quoteBack } from '../core/sanitize.js';
import type { ActionsSettled, Identity, JobData, JobResult, OutgoingMessage } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import { whoMayApprove, type Approval } from '../deploy/approvals.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy } from '../deploy/engine.js';
import { NoSuchConfirmationError } from '../deploy/errors.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { rolloutSteps, startRollout, stepKey, stepName } from '../deploy/rollout.js';
import { CODE_PATTERN, type PendingConfirmation, DeployStore } from '../deploy/store.js';
import { clock, humanDuration } from '../deploy/time.js';
import { deploy as deploySpec } from './deploy.js';
import { restart as restartSpec } from './restart.js';
import { rollback as rollbackSpec, rollbackOf } from './rollback.js';
import { approveUpgrade as approveUpgradeSpec, approveUpgradeOf } from './approve-upgrade.js';
import { scaleOf, start as startSpec, stop as stopSpec } from './stop.js';
import { scheduleConfirmed } from './schedule-change.js';
import { defineVerb, type RunContext } from './verb.js';
import type { Operation } from '../deploy/engine.js';

const specs: Record<string, VerbSpec> = {
  deploy: deploySpec,
  restart: restartSpec,
  rollback: rollbackSpec,
  stop: stopSpec,
  start: startSpec,
  'approve-upgrade': approveUpgradeSpec,
};

/** Verbs whose confirmed run is an operation, rebuilt from the arguments kept with the confirmation. */
const operations: Record<string, (ctx: RunContext, p: PendingConfirmation) => Operation> = {
  rollback: (ctx, p) =>
    rollbackOf(ctx, { service: p.service, environment: p.environment!, ...(typeof p.args?.revision === 'number' ? { revision: p.args.revision } : {}) }),
  stop: (ctx, p) => scaleOf(ctx, 'stop', { service: p.service, environment: p.environment! }),
  start: (ctx, p) => scaleOf(ctx, 'start', { service: p.service, environment: p.environment! }),
  'approve-upgrade': (ctx, p) => approveUpgradeOf(ctx, { service: p.service, environment: p.environment! }),
};

export function describePending(p: PendingConfirmation): string {
  if (p.schedule) return `${p.schedule.data.command.verb} of ${p.service} ${p.environment} for ${clock(p.schedule.at)}`;
  return p.verb === 'rollout' ? `rollout ${p.group}` : `${p.verb} of ${p.service} ${p.environment}`;
}

/** The asker may act on `what` when they may run the same command(s) themselves. Returns their identity with groups. */
export async function mayActOn(
  ctx: RunContext,
  asker: Identity,
  what: { verb: string; service: string; environment?: string; group?: string },
  requestId: string,
  action: string,
  owner: string,
): Promise<Identity> {
  const targets =
    what.verb === 'rollout'
      ? rolloutSteps(ctx.config, ctx.registry, what.group ?? '').map((s) => ({ ...s, verb: 'deploy' }))
      : [{ service: what.service, environment: what.environment, verb: what.verb }];
  let identity = asker;
  for (const t of targets) {
    const spec = specs[t.verb];
    if (!spec) throw new UserError(`cannot ${action} a ${t.verb}`);
    const d = await ctx.access.authorize(
      asker,
      { service: t.service, verb: t.verb, ...(t.environment ? { environment: t.environment } : {}), args: [], requestId },
      spec,
      'worker',
    );
    if (!d.allowed) {
      const head = `only ${owner} or someone allowed to ${t.verb} ${t.service} ${t.environment ?? ''} may ${action} this: `.replace(/\s+:/, ':');
      const err = new PermissionDeniedError(head + (d.error?.message ?? d.reason));
      err.line = append(head, ...toParts(d.error ? toUserParts(d.error) : d.reason));
      throw err;
    }
    identity = d.identity;
  }
  return identity;
}

/**
 * Tells the network the confirmation was asked on what became of it: where it showed buttons, that
 * message is updated in place (buttons gone, "confirmed by @bob"). Networks without buttons ignore it.
 */
export function settle(ctx: RunContext, p: PendingConfirmation, s: Omit<ActionsSettled, 'key'>, by?: Identity): Promise<void> {
  const msg: OutgoingMessage = {
    network: p.replyTo.network,
    target: p.replyTo.target,
    ...(p.replyTo.threadId ? { threadId: p.replyTo.threadId } : {}),
    lines: [],
    settled: { key: p.code, ...s, ...(by ? { by: { network: by.network, nick: by.nick, ...(by.account ? { account: by.account } : {}) } } : {}) },
  };
  return ctx.post(msg).catch((err: unknown) => ctx.log.warn({ err, code: p.code }, 'could not update the confirmation message'));
}

export async function loadPending(ctx: RunContext, code: string, action: string): Promise<PendingConfirmation> {
  const store = new DeployStore(ctx.scope);
  const p = await store.pending(code);
  if (!p) throw new NoSuchConfirmationError(`nothing is waiting for confirmation code ${code} (already confirmed or cancelled, or mistyped)`);
  if (Date.now() > p.expiresAt) {
    if (await store.claimPending(code)) await settle(ctx, p, { outcome: 'expired', note: `at ${clock(p.expiresAt)}; nothing was done` });
    const again = p.verb === 'rollout' ? `rollout ${p.group}` : `${p.service} ${p.verb} ${p.environment}`;
    const err = new NoSuchConfirmationError(
      `cannot ${action}: confirmation ${code} for the ${describePending(p)} expired at ${clock(p.expiresAt)} (after ${humanDuration(p.expiresAt - p.createdAt)}); nothing was done. Ask again: ${again}`,
    );
    err.line = line`cannot ${action}: confirmation ${code} for the ${describePending(p)} expired at ${clock(p.expiresAt)} (after ${humanDuration(p.expiresAt - p.createdAt)}); nothing was done. Ask again: ${cmd(again)}`;
    throw err;
  }
  return p;
}

export const confirm = defineVerb({
  verb: 'confirm',
  scope: 'global',
  // who may confirm depends on what is confirmed: `run` checks the confirmer against the pending deploy
  mutating: false,
  environment: 'none',
  usage: 'confirm <code>',
  needs: 'any',
  summary: 'go ahead with a deploy that asked for a confirmation (the requester, or anyone allowed to run it)',
  parse({ command }) {
    const code = command.args[0]?.toLowerCase();
    if (!code || command.args.length > 1 || !CODE_PATTERN.test(code)) {
      throw new UsageError(`confirm <code>: the code is the 6 letters the bot asked for${code ? ` (got "${quoteBack(command.args.join(' '))}")` : ''}`);
    }
    return { code };
  },
  async run(ctx, { code }, data) {
    const p = await loadPending(ctx, code, 'confirm');
    const owner = p.requester.user ?? p.requester.nick;
    if (p.approval) {
      const l = line`the ${describePending(p)} asked by ${owner} starts on approvals, not a confirm: it needs ${whoMayApprove(p.approval, owner)} (${cmd(`approve ${code}`)})`;
      const err = new UserError(plain(l));
      err.line = l;
      throw err;
    }
    const by = await mayActOn(ctx, data.requester, p, data.command.requestId, 'confirm', owner);
    if (!(await new DeployStore(ctx.scope).claimPending(code)))
      throw new NoSuchConfirmationError(`confirmation ${code} was just taken by someone else (confirmed or cancelled)`);
    await settle(ctx, p, { outcome: 'confirmed' }, by);
    return runConfirmed(ctx, p, data, by);
  },
  interrupted: deployInterrupted,
});

/** The confirmed change runs in the job that confirmed it (or gave the last approval). */
export async function runConfirmed(ctx: RunContext, p: PendingConfirmation, data: JobData, by: Identity, approvals?: Approval[]): Promise<JobResult> {
  // a change asked for later: the confirmation (or the last approval) schedules it
  if (p.schedule) return scheduleConfirmed(ctx, p, data, by, approvals);
  const code = p.code;
  if (p.verb === 'rollout') {
    const steps = rolloutSteps(ctx.config, ctx.registry, p.group!);
    await startRollout(ctx.enqueue, { ...data, requester: p.requester }, p.group!, steps.map(stepKey), ctx.jobId, by.user ?? by.nick);
    const text = `rollout ${p.group} confirmed: ${steps.map(stepName).join(', then ')}; stops at the first failure`;
    return { ok: true, summary: text, lines: [text] };
  }
  const operation = operations[p.verb]?.(ctx, p);
  if (!operation && p.verb !== 'deploy' && p.verb !== 'restart') throw new UserError(`cannot confirm a ${p.verb}`);
  return runDeploy(deployContext(ctx), {
    verb: p.verb,
    service: p.service,
    environment: p.environment!,
    requester: p.requester,
    replyTo: data.replyTo,
    confirmed: { by, code, ...(p.diffDigest ? { diffDigest: p.diffDigest } : {}), ...(approvals?.length ? { approvals } : {}) },
    ...(p.duringMaintenance ? { duringMaintenance: true } : {}),
    ...(operation ? { operation, ...(p.args ? { args: p.args } : {}) } : {}),
  });
}
