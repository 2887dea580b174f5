// `rollout <group>`: deploy every environment of a group one after another (the chain: deploy/rollout.ts).
import { PermissionDeniedError, UsageError, UserError } from '../core/errors.js';
import { cmd, line } from '../core/parts.js';
import type { Identity } from '../core/types.js';
import { directoryUser } from '../deploy/engine.js';
import { rolloutSteps, startRollout, stepKey, stepName, type Step } from '../deploy/rollout.js';
import { newCode, type PendingConfirmation, DeployStore } from '../deploy/store.js';
import { humanDuration } from '../deploy/time.js';
import type { Access } from '../auth/access.js';
import { asksConfirmation, confirmationActions } from '../deploy/approvals.js';
import { deploy } from './deploy.js';
import { defineVerb } from './verb.js';

/** The asker may deploy every step; else the first one they may not, as a line. */
async function refusedStep(access: Access, who: Identity, steps: Step[], requestId: string, stage: 'gateway' | 'worker'): Promise<string | undefined> {
  for (const s of steps) {
    const d = await access.authorize(who, { service: s.service, verb: 'deploy', environment: s.environment, args: [], requestId }, deploy, stage);
    if (!d.allowed) return `${stepName(s)}: ${d.error?.message ?? d.reason}`;
  }
  return undefined;
}

export const rollout = defineVerb({
  verb: 'rollout',
  scope: 'global',
  // a group spans services: the right to deploy each step is checked here and again before each step runs
  mutating: false,
  needs: 'deploy',
  environment: 'none',
  usage: 'rollout <group>',
  summary: 'deploy every environment of a roll-out group one after another, stopping at the first failure',
  parse({ command, config, registry }) {
    const [group, ...rest] = command.args;
    if (!group || rest.length)
      throw new UsageError(`rollout <group>${Object.keys(config.rollouts).length ? ` (groups: ${Object.keys(config.rollouts).join(', ')})` : ''}`);
    rolloutSteps(config, registry, group.toLowerCase()); // an unknown group is refused with suggestions
    return { group: group.toLowerCase() };
  },
  async check(ctx, { group }) {
    const steps = rolloutSteps(ctx.config, ctx.registry, group);
    const refused = await refusedStep(ctx.access, ctx.identity, steps, ctx.command.requestId, 'gateway');
    return refused ? { lines: [`rollout ${group} includes ${refused}`], private: true } : undefined;
  },
  async run(ctx, { group }, data) {
    const steps = rolloutSteps(ctx.config, ctx.registry, group);
    if (!steps.length) throw new UserError(`rollout ${group}: no deployable environments`);
    const refused = await refusedStep(ctx.access, data.requester, steps, data.command.requestId, 'worker');
    if (refused) throw new PermissionDeniedError(`rollout ${group} includes ${refused}`);
    const keys = steps.map(stepKey);
    const order = steps.map(stepName).join(', then ');
    // approvals are given to one change of one environment: a roll-out never carries them along
    const approving = steps.filter((s) => ctx.registry.environment(s.service, s.environment).approvals);
    if (approving.length)
      throw new UserError(
        `rollout ${group} includes ${approving.map(stepName).join(', ')}, which ${approving.length === 1 ? 'needs' : 'need'} approvals: deploy ${approving.length === 1 ? 'it' : 'them'} on ${approving.length === 1 ? 'its' : 'their'} own`,
      );
    const needing = steps.filter((s) => asksConfirmation(ctx.registry.environment(s.service, s.environment)));
    if (needing.length) {
      const who = await directoryUser(ctx.access, data.requester);
      const minutes = ctx.config.deploy.confirmMinutes;
      const p: PendingConfirmation = {
        code: newCode(),
        verb: 'rollout',
        service: '',
        group,
        requester: who,
        replyTo: data.replyTo,
        requestId: data.command.requestId,
        createdAt: Date.now(),
        expiresAt: Date.now() + minutes * 60_000,
        summary: order,
        jobId: ctx.jobId,
      };
      await new DeployStore(ctx.scope).savePending(p);
      return {
        ok: true,
        summary: `rollout ${group}: ${order}`,
        lines: [
          `rollout ${group}: ${order} (${needing.map(stepName).join(', ')} ask${needing.length === 1 ? 's' : ''} for a confirmation)`,
          line`to go ahead, say within ${humanDuration(minutes * 60_000)}: ${cmd(`confirm ${p.code}`)} (or ${cmd(`cancel ${p.code}`)})`,
        ],
        actions: confirmationActions(p.code, p.expiresAt),
      };
    }
    await startRollout(ctx.enqueue, data, group, keys, ctx.jobId);
    const text = `rollout ${group}: ${steps.length} environment${steps.length === 1 ? '' : 's'} one after another: ${order}; stops at the first failure`;
    return { ok: true, summary: text, lines: [text] };
  },
});
