import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { humanDuration } from '../core/time.js';
import { cmd, line, type Line } from '../core/parts.js';
import type { HistoryAccess } from '../history/access.js';
import { changedText, stamp, what } from '../history/format.js';
import { who, type JobRecord } from '../history/store.js';
import { stripAnsi } from '../core/ansi.js';
import { SCHEDULED_ID } from '../deploy/scheduled.js';
import { defineVerb } from './verb.js';

/** Log lines shown in chat by `job N log`; the page has the rest. */
const CHAT_LOG_LINES = 8;

const USAGE = 'job <number> [log]';

export const job = defineVerb({
  verb: 'job',
  scope: 'global',
  mutating: false,
  anonymous: true,
  environment: 'none',
  usage: USAGE,
  summary: 'one job in detail: who, where, timings, what changed; `log` adds its last lines and a link to the full log',
  parse({ command }) {
    const [rawId, sub, ...rest] = command.args;
    if (rawId === undefined) throw new UsageError(`which job? ${USAGE} (see jobs for numbers)`);
    const m = /^#?(\d{1,12})$/.exec(rawId);
    // a scheduled change's job is named by the change (`job sched-3`, as its start line says)
    const scheduled = SCHEDULED_ID.test(rawId) ? rawId : undefined;
    if (!m && !scheduled) throw new UsageError(`"${quoteBack(rawId, 20)}" is not a job number: ${USAGE}`);
    if ((sub !== undefined && sub.toLowerCase() !== 'log') || rest.length) throw new UsageError(`${USAGE}`);
    return { id: m ? Number(m[1]) : 0, ...(scheduled ? { scheduled } : {}), log: sub !== undefined };
  },
  async check(ctx, { id: asked, scheduled, log }: { id: number; scheduled?: string; log: boolean }) {
    if (!ctx.history) return { lines: ['the job history is not available here'], private: true };
    const id = scheduled ? await ctx.history.store.knownId(scheduled) : asked;
    if (id === undefined) return { lines: [`no job ${scheduled} in the history`] };
    const r = await ctx.history.store.get(id);
    if (!r) return { lines: [`no job #${id} (it may have been trimmed from the history)`] };
    if (log) return { lines: await logLines(r, ctx.history) };
    return { lines: details(r) };
  },
});

function outcome(r: JobRecord): string {
  if (r.status === 'running' && r.startedAt) return `running for ${humanDuration(Date.now() - r.startedAt)}`;
  if (r.durationMs !== undefined) return `${r.status} in ${humanDuration(r.durationMs)}`;
  return r.status;
}

function details(r: JobRecord): Line[] {
  const req = r.requester;
  const ident = [req.account && `account ${req.account}`, req.user && `directory user ${req.user}`].filter(Boolean).join(', ');
  const args = r.args.length ? ` (args: ${r.args.join(' ')})` : '';
  const lines: Line[] = [`#${r.id} ${what(r)}${args} by ${who(r)}: ${outcome(r)}${r.summary ? ` — ${stripAnsi(r.summary)}` : ''}`];
  const times = [`queued ${stamp(r.queuedAt)}`];
  if (r.startedAt) times.push(`started after ${humanDuration(Math.max(0, r.startedAt - r.queuedAt))}`);
  if (r.finishedAt && r.status !== 'denied') times.push(`finished ${stamp(r.finishedAt)}`);
  lines.push(`asked on ${req.network} in ${r.channel} as ${req.nick}${ident ? ` (${ident})` : ''}; ${times.join(', ')}`);
  if (r.approvedBy?.length) lines.push(`asked by ${r.requestedBy ?? '?'}, approved by ${r.approvedBy.join(' and ')}`);
  const changed = changedText(r);
  if (changed) lines.push(`changed: ${changed}`);
  if (r.logLines) lines.push(line`log: ${r.logLines} line${r.logLines === 1 ? '' : 's'} — ${cmd(`job ${r.id} log`)}`);
  return lines;
}

async function logLines(r: JobRecord, h: HistoryAccess): Promise<Line[]> {
  const log = (await h.store.log(r.id)) ?? [];
  const head = `#${r.id} ${what(r)}: ${outcome(r)}`;
  const tail = log
    .map(stripAnsi)
    .filter((l) => l.trim())
    .slice(-CHAT_LOG_LINES)
    .map((l) => `  ${l}`);
  const link = h.links?.baseUrl
    ? `full log: ${h.links.url(r.id)}`
    : h.links
      ? `full log: ${h.links.path(r.id)} on the bot's HTTP server`
      : 'no log page is configured (http.publicUrl)';
  if (!log.length) return [`${head}; ${r.status === 'running' || r.status === 'queued' ? 'no log yet: it is kept when the job ends' : 'no log was kept'}`];
  const shown = tail.length < log.length ? ` (last ${tail.length} of ${log.length} lines)` : '';
  return [`${head}${shown}`, ...tail, link];
}
