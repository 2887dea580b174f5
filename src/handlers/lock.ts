import { UsageError } from '../core/errors.js';
import { freezeArgs } from '../deploy/freeze.js';
import type { Handler } from './types.js';

export const lock: Handler = {
  verb: 'lock',
  scope: 'service',
  mutating: true,
  // parsed here: `lock db migration` (every environment) reads as well as `lock production db migration`
  environment: 'none',
  usage: '<service> lock [env] <reason>',
  summary: 'freeze deploys (all environments, or one) until unlock; says who and why to anyone who tries',
  async handle(ctx) {
    const { reason } = freezeArgs(ctx.registry, ctx.command);
    if (!reason) throw new UsageError(`say why: ${ctx.command.service} lock [env] <reason>`);
    return { kind: 'enqueue', jobKind: 'lock' };
  },
};
