import { UsageError } from '../core/errors.js';
import { freezeArgs } from '../deploy/freeze.js';
import type { Handler } from './types.js';

export const unlock: Handler = {
  verb: 'unlock',
  scope: 'service',
  mutating: true,
  environment: 'none',
  usage: '<service> unlock [env]',
  summary: 'lift a deploy freeze set with lock',
  async handle(ctx) {
    const { reason } = freezeArgs(ctx.registry, ctx.command);
    if (reason) throw new UsageError(`${ctx.command.service} unlock [env]: unknown environment or extra words "${reason}"`);
    return { kind: 'enqueue', jobKind: 'unlock' };
  },
};
