import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { CODE_PATTERN } from '../deploy/store.js';
import type { Handler } from './types.js';

export const confirm: Handler = {
  verb: 'confirm',
  scope: 'global',
  // who may confirm depends on what is confirmed: the worker checks the confirmer against the pending deploy
  mutating: false,
  environment: 'none',
  usage: 'confirm <code>',
  summary: 'go ahead with a deploy that asked for a confirmation (the requester, or anyone allowed to run it)',
  async handle(ctx) {
    const code = ctx.command.args[0]?.toLowerCase();
    if (!code || ctx.command.args.length > 1 || !CODE_PATTERN.test(code)) {
      throw new UsageError(`confirm <code>: the code is the 6 letters the bot asked for${code ? ` (got "${quoteBack(ctx.command.args.join(' '))}")` : ''}`);
    }
    return { kind: 'enqueue', jobKind: 'confirm' };
  },
};
