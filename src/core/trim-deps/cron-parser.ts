// What BullMQ's job schedulers (dist/cjs/classes/job-scheduler.js) take from cron-parser:
// CronExpressionParser.parse, called only for a scheduler with a cron pattern. The real one loads then.
import { onFirstUse } from '../on-first-use.js';
import { loadReal } from './load-real.js';

interface CronParser {
  CronExpressionParser: { parse(expression: string, options?: unknown): unknown };
}
const real = onFirstUse(() => loadReal<CronParser>('bullmq', 'cron-parser'));

export const CronExpressionParser = {
  parse: (expression: string, options?: unknown): unknown => real().CronExpressionParser.parse(expression, options),
};
