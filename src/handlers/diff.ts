import { refuseExtraArgs } from '../deploy/args.js';
import { target } from '../deploy/plan.js';
import type { Handler } from './types.js';

export const diff: Handler = {
  verb: 'diff',
  scope: 'service',
  mutating: false,
  environment: 'optional',
  usage: '<service> diff [env]',
  summary: 'what a deploy would change (helmfile diff, secrets suppressed), summarised',
  async handle(ctx) {
    refuseExtraArgs(ctx.command);
    if (ctx.command.environment) target(ctx.config, ctx.registry, ctx.command.service, ctx.command.environment);
    return { kind: 'enqueue', jobKind: 'diff' };
  },
};
