import { UsageError } from '../core/errors.js';
import { rolloutSteps, stepName } from '../deploy/rollout.js';
import { deploy } from './deploy.js';
import type { Handler } from './types.js';

export const rollout: Handler = {
  verb: 'rollout',
  scope: 'global',
  // a group spans services: the right to deploy each step is checked here and again before each step runs
  mutating: false,
  environment: 'none',
  usage: 'rollout <group>',
  summary: 'deploy every environment of a roll-out group one after another, stopping at the first failure',
  async handle(ctx) {
    const [group, ...rest] = ctx.command.args;
    if (!group || rest.length) throw new UsageError(`rollout <group>${Object.keys(ctx.config.rollouts).length ? ` (groups: ${Object.keys(ctx.config.rollouts).join(', ')})` : ''}`);
    const steps = rolloutSteps(ctx.config, ctx.registry, group.toLowerCase());
    for (const s of steps) {
      const d = await ctx.access.authorize(ctx.identity, { service: s.service, verb: 'deploy', environment: s.environment, args: [], requestId: ctx.command.requestId }, deploy);
      if (!d.allowed) return { kind: 'reply', lines: [`rollout ${group} includes ${stepName(s)}: ${d.error?.message ?? d.reason}`], private: true };
    }
    return { kind: 'enqueue', jobKind: 'rollout' };
  },
};
