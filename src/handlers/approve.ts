// `approve <code>`: a second person's approval of a change where the environment asks for approvals
// (config `approvals`; the rules: src/deploy/approvals.ts). Each approval is announced on the
// service's channels; the one that makes enough starts the change in this job, like a confirm.
import { NotLoggedInError, PermissionDeniedError, UsageError, UserError } from '../core/errors.js';
import { cmd, line, LOGIN, plain } from '../core/parts.js';
import { quoteBack } from '../core/sanitize.js';
import type { Identity, JobData } from '../core/types.js';
import { approvalRefusal, names, whoMayApprove, type Approval } from '../deploy/approvals.js';
import { NoSuchConfirmationError } from '../deploy/errors.js';
import { announcements } from '../deploy/format.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { CODE_PATTERN, DeployStore, type PendingConfirmation } from '../deploy/store.js';
import { clock } from '../deploy/time.js';
import { describePending, loadPending, runConfirmed, settle } from './confirm.js';
import { defineVerb, type RunContext } from './verb.js';

/** Every approval decision goes to the audit log, with the requester and the approvers so far. */
function audit(ctx: RunContext, data: JobData, p: PendingConfirmation, who: Identity, allowed: boolean, reason: string, approvedBy?: Approval[]): void {
  ctx.access.note({
    stage: 'worker',
    command: { ...data.command, service: p.service, ...(p.environment ? { environment: p.environment } : {}) },
    identity: who,
    allowed,
    reason,
    requestedBy: p.requester.user ?? p.requester.nick,
    ...(approvedBy ? { approvedBy: approvedBy.map((a) => a.user) } : {}),
  });
}

export const approve = defineVerb({
  verb: 'approve',
  scope: 'global',
  // who may approve is the environment's `approvals.groups`, checked in `run` against the directory
  mutating: false,
  environment: 'none',
  usage: 'approve <code>',
  summary: "approve someone else's change where the environment asks for approvals; it starts once enough are in",
  parse({ command }) {
    const code = command.args[0]?.toLowerCase();
    if (!code || command.args.length > 1 || !CODE_PATTERN.test(code)) {
      throw new UsageError(`approve <code>: the code is the 6 letters the bot asked for${code ? ` (got "${quoteBack(command.args.join(' '))}")` : ''}`);
    }
    return { code };
  },
  async run(ctx, { code }, data) {
    const p = await loadPending(ctx, code, 'approve');
    const owner = p.requester.user ?? p.requester.nick;
    const what = describePending(p);
    if (!p.approval) {
      const l = line`the ${what} needs no approvals: ${owner} or someone allowed to run it confirms it (${cmd(`confirm ${code}`)})`;
      throw Object.assign(new UserError(plain(l)), { line: l });
    }
    const policy = p.approval;
    // the groups as the directory has them now (a group removed since the gateway's cache filled counts)
    const approver = await ctx.access.identify(data.requester, { fresh: true });
    if (!approver.account) throw new NotLoggedInError(`approving the ${what}`, LOGIN);
    const refusal = approvalRefusal(policy, owner, approver, what);
    if (refusal) {
      audit(ctx, data, p, approver, false, refusal);
      throw new PermissionDeniedError(refusal);
    }
    const store = new DeployStore(ctx.scope);
    const mine: Approval = {
      user: approver.user!,
      nick: approver.nick,
      network: approver.network,
      ...(approver.account ? { account: approver.account } : {}),
      at: Date.now(),
    };
    const all = await store.addApproval(code, mine);
    if (all === 'gone') throw new NoSuchConfirmationError(`confirmation ${code} was just taken by someone else (started, cancelled or expired)`);
    if (all === 'already') throw new UserError(`you approved the ${what} already; it needs ${whoMayApprove(policy, owner)}`);
    const count = `${all.length} of ${policy.required}`;
    audit(ctx, data, p, approver, true, `approval ${count} of the ${what}`, all);
    const label = `${p.service} ${p.environment}`;

    if (all.length < policy.required) {
      const left = policy.required - all.length;
      const news = `${label}: ${p.verb} asked by ${owner} approved by ${names(all)} (${count}); ${left} more needed before ${clock(p.expiresAt)}`;
      await Promise.all([
        ...announcements(ctx.config, p.service, [news], data.replyTo).map((m) => ctx.post(m)),
        settle(ctx, p, { outcome: 'approved', note: `${count}; ${left} more needed`, open: true }, approver),
      ]);
      return { ok: true, summary: news, lines: [news] };
    }
    if (!(await store.claimPending(code))) throw new NoSuchConfirmationError(`confirmation ${code} was just taken by someone else (started or cancelled)`);
    // a change asked for later is scheduled now, not started (src/handlers/schedule-change.ts)
    const next = p.schedule ? `scheduling it for ${clock(p.schedule.at)}` : 'starting';
    const news = `${label}: ${p.verb} asked by ${owner} approved by ${names(all)} (${count}): ${next}`;
    await Promise.all([
      ...announcements(ctx.config, p.service, [news], data.replyTo).map((m) => ctx.post(m)),
      settle(ctx, p, { outcome: 'approved', note: `${count} (${names(all)}); ${next}` }, approver),
    ]);
    return runConfirmed(ctx, p, data, approver, all);
  },
  interrupted: deployInterrupted,
});
