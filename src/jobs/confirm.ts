// `confirm <code>` and `cancel <code|job>`: who may is decided against what they confirm or cancel —
// the requester, or anyone allowed to run that same command.
import { PermissionDeniedError, UserError } from '../core/errors.js';
import type { Identity } from '../core/types.js';
import { runDeploy } from '../deploy/engine.js';
import { NoSuchConfirmationError } from '../deploy/errors.js';
import { typed } from '../deploy/format.js';
import { rolloutSteps, stepKey, stepName } from '../deploy/rollout.js';
import { CODE_PATTERN, type PendingConfirmation } from '../deploy/store.js';
import { clock, humanDuration } from '../deploy/time.js';
import { deploy as deploySpec } from '../handlers/deploy.js';
import { restart as restartSpec } from '../handlers/restart.js';
import type { VerbSpec } from '../handlers/types.js';
import { deployContext, deployStore, startRollout } from './deploy.js';
import type { Processor, ProcessorContext } from './types.js';

const specs: Record<string, VerbSpec> = { deploy: deploySpec, restart: restartSpec };

function describePending(p: PendingConfirmation): string {
  return p.verb === 'rollout' ? `rollout ${p.group}` : `${p.verb} of ${p.service} ${p.environment}`;
}

/** The asker may act on `p` when they may run the same command(s) themselves. Returns their identity with groups. */
async function mayActOn(ctx: ProcessorContext, asker: Identity, what: { verb: string; service: string; environment?: string; group?: string }, requestId: string, action: string, owner: string): Promise<Identity> {
  const targets =
    what.verb === 'rollout'
      ? rolloutSteps(ctx.config, ctx.registry, what.group ?? '').map((s) => ({ ...s, verb: 'deploy' }))
      : [{ service: what.service, environment: what.environment, verb: what.verb }];
  let identity = asker;
  for (const t of targets) {
    const spec = specs[t.verb];
    if (!spec) throw new UserError(`cannot ${action} a ${t.verb}`);
    const d = await ctx.access.authorize(asker, { service: t.service, verb: t.verb, ...(t.environment ? { environment: t.environment } : {}), args: [], requestId }, spec, 'worker');
    if (!d.allowed) throw new PermissionDeniedError(`only ${owner} or someone allowed to ${t.verb} ${t.service} ${t.environment ?? ''} may ${action} this: ${d.error?.message ?? d.reason}`.replace(/\s+:/, ':'));
    identity = d.identity;
  }
  return identity;
}

async function loadPending(ctx: ProcessorContext, code: string, action: string): Promise<PendingConfirmation> {
  const store = deployStore(ctx);
  const p = await store.pending(code);
  if (!p) throw new NoSuchConfirmationError(`nothing is waiting for confirmation code ${code} (already confirmed or cancelled, or mistyped)`);
  if (Date.now() > p.expiresAt) {
    await store.claimPending(code);
    const again = p.verb === 'rollout' ? `rollout ${p.group}` : `${p.service} ${p.verb} ${p.environment}`;
    throw new NoSuchConfirmationError(
      `cannot ${action}: confirmation ${code} for the ${describePending(p)} expired at ${clock(p.expiresAt)} (after ${humanDuration(p.expiresAt - p.createdAt)}); nothing was done. Ask again: ${typed(p.replyTo.network, again)}`,
    );
  }
  return p;
}

export const confirmProcessor: Processor = async (data, ctx) => {
  const code = (data.command.args[0] ?? '').toLowerCase();
  if (!CODE_PATTERN.test(code)) throw new UserError('confirm <code>: the code is the 6 letters the bot asked for');
  const p = await loadPending(ctx, code, 'confirm');
  const by = await mayActOn(ctx, data.requester, p, data.command.requestId, 'confirm', p.requester.user ?? p.requester.nick);
  if (!(await deployStore(ctx).claimPending(code))) throw new NoSuchConfirmationError(`confirmation ${code} was just taken by someone else (confirmed or cancelled)`);

  if (p.verb === 'rollout') {
    const steps = rolloutSteps(ctx.config, ctx.registry, p.group!);
    await startRollout(ctx, { ...data, requester: p.requester }, p.group!, steps.map(stepKey), String(ctx.job.id), by.user ?? by.nick);
    const line = `rollout ${p.group} confirmed: ${steps.map(stepName).join(', then ')}; stops at the first failure`;
    return { ok: true, summary: line, lines: [line] };
  }
  return runDeploy(deployContext(ctx), {
    verb: p.verb, service: p.service, environment: p.environment!, requester: p.requester, replyTo: data.replyTo,
    confirmed: { by, code, ...(p.diffDigest ? { diffDigest: p.diffDigest } : {}) },
    ...(p.duringMaintenance ? { duringMaintenance: true } : {}),
  });
};

export const cancelProcessor: Processor = async (data, ctx) => {
  const arg = data.command.args[0] ?? '';
  const store = deployStore(ctx);
  if (CODE_PATTERN.test(arg.toLowerCase())) {
    const code = arg.toLowerCase();
    const p = await loadPending(ctx, code, 'cancel');
    const owner = p.requester.user ?? p.requester.nick;
    await mayActOn(ctx, data.requester, p, data.command.requestId, 'cancel', owner);
    if (!(await store.claimPending(code))) throw new NoSuchConfirmationError(`confirmation ${code} was just taken by someone else (confirmed or cancelled)`);
    const line = `cancelled: the ${describePending(p)} asked by ${owner} will not run (code ${code})`;
    return { ok: true, summary: line, lines: [line] };
  }
  const r = await store.running(arg);
  if (!r) throw new UserError(`job ${arg} is not a running deploy (nothing to cancel)`);
  const who = await mayActOn(ctx, data.requester, r, data.command.requestId, 'cancel', r.user);
  await store.requestCancel(r.jobId, who.user ?? who.nick);
  const line = `cancelling job ${r.jobId} (${r.verb} of ${r.service} ${r.environment} by ${r.user}): stopping helmfile/helm (helm rolls back an --atomic upgrade); the job will say when it stopped`;
  return { ok: true, summary: line, lines: [line] };
};
