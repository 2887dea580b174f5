// `<service> scheduled [env]`: the changes scheduled for later (`deploy production at 14:00 UTC`),
// soonest first, each with how to cancel it. The mechanism itself is src/handlers/schedule-change.ts.
import { UsageError } from '../core/errors.js';
import type { Line } from '../core/parts.js';
import { quoteBack } from '../core/sanitize.js';
import { ScheduledStore } from '../deploy/scheduled.js';
import { listLine } from './schedule-change.js';
import { defineVerb } from './verb.js';

/** Lines a chat answer may have (IRC floods easily). */
const MAX_LINES = 10;

export const scheduled = defineVerb({
  verb: 'scheduled',
  scope: 'service',
  mutating: false,
  anonymous: true,
  environment: 'optional',
  usage: '<service> scheduled [env]',
  summary: 'changes scheduled for later (deploy production at 14:00 UTC), soonest first, with how to cancel each',
  parse({ command }) {
    if (command.args.length) throw new UsageError(`${command.service} scheduled [env] takes nothing else (got "${quoteBack(command.args.join(' '))}")`);
    return { service: command.service, ...(command.environment ? { environment: command.environment } : {}) };
  },
  async run(ctx, a: { service: string; environment?: string }) {
    const list = await new ScheduledStore(ctx.scope).list(a.service, a.environment);
    const where = a.environment ? `${a.service} ${a.environment}` : a.service;
    if (!list.length) {
      const text = `nothing scheduled for ${where}`;
      return { ok: true, summary: text, lines: [text] };
    }
    const now = Date.now();
    const lines: Line[] = list.slice(0, MAX_LINES).map((c) => listLine(c, now));
    if (list.length > MAX_LINES) lines.push(`… and ${list.length - MAX_LINES} more later`);
    return { ok: true, summary: `${list.length} change${list.length === 1 ? '' : 's'} scheduled for ${where}`, lines };
  },
});
