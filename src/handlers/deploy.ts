import { refuseExtraArgs } from '../deploy/args.js';
import { target } from '../deploy/plan.js';
import type { Handler } from './types.js';

export const deploy: Handler = {
  verb: 'deploy',
  scope: 'service',
  mutating: true,
  environment: 'required',
  usage: '<service> deploy <env>',
  summary: 'helmfile diff, then apply under a lock (production asks for a confirmation first); start and end announced',
  async handle(ctx) {
    refuseExtraArgs(ctx.command);
    target(ctx.config, ctx.registry, ctx.command.service, ctx.command.environment!);
    return { kind: 'enqueue', jobKind: 'deploy' };
  },
};
