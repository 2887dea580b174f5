import { buildQuery, describeQuery, jobLine, parseJobArgs } from '../history/format.js';
import { defineVerb } from './verb.js';

/** Lines a chat answer may have (IRC floods easily); the CLI goes further. */
const CHAT_DEFAULT_LIMIT = 5;
const CHAT_MAX_LIMIT = 25;

export const jobs = defineVerb({
  verb: 'jobs',
  scope: 'global',
  mutating: false,
  anonymous: true,
  environment: 'none',
  usage: 'jobs [service] [env] [--user U] [--status S] [--kind K] [--since 2d] [--limit N]',
  summary: 'job history, newest first: who ran what, when, how long, and the result',
  parse: ({ command, registry }) => buildQuery(parseJobArgs(command.args), registry, { defaultLimit: CHAT_DEFAULT_LIMIT, maxLimit: CHAT_MAX_LIMIT }),
  async check(ctx, q) {
    if (!ctx.history) return { lines: ['the job history is not available here'], private: true };
    const rows = await ctx.history.store.query(q);
    if (!rows.length) return { lines: [`no jobs match (${describeQuery(q)})`] };
    const now = Date.now();
    return { lines: rows.map((r) => jobLine(r, now)) };
  },
});
