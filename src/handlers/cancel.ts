import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { CODE_PATTERN } from '../deploy/store.js';
import type { Handler } from './types.js';

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$/;

export const cancel: Handler = {
  verb: 'cancel',
  scope: 'global',
  mutating: false, // checked in the worker against what is cancelled
  environment: 'none',
  usage: 'cancel <code|job>',
  summary: 'drop a deploy waiting for confirmation, or stop a running one (helm rolls back)',
  async handle(ctx) {
    const arg = ctx.command.args[0];
    if (!arg || ctx.command.args.length > 1 || !(CODE_PATTERN.test(arg.toLowerCase()) || JOB_ID.test(arg))) {
      throw new UsageError(`cancel <code|job>: a confirmation code or a job number${arg ? ` (got "${quoteBack(ctx.command.args.join(' '))}")` : ''}`);
    }
    return { kind: 'enqueue', jobKind: 'cancel' };
  },
};
