// What BullMQ's job schedulers (dist/cjs/classes/job-scheduler.js) take from cron-parser:
// CronExpressionParser.parse, called only for a scheduler with a cron pattern. The real one loads then.
import { loadReal } from './load-real.js';

interface CronParser {
  CronExpressionParser: { parse(expression: string, options?: unknown): unknown };
}
let real: CronParser | undefined;

export const CronExpressionParser = {
  parse(expression: string, options?: unknown): unknown {
    real ??= loadReal<CronParser>('bullmq', 'cron-parser');
    return real.CronExpressionParser.parse(expression, options);
  },
};
