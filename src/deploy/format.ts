import type { Config } from '../config/schema.js';
import { cmd, type Line, type Part } from '../core/parts.js';
import type { OutgoingMessage, ReplyTarget } from '../core/types.js';
import { announceTargets, type AnnounceTarget } from '../maintenance/messages.js';
import type { DiffSummary } from './summary.js';

/** "full log: job 12" (the network writes the command its way: `!job 12`). */
export function fullLog(jobId: string): Part[] {
  return ['full log: ', cmd(`job ${jobId}`)];
}

const MAX_DIFF_LINE = 300;

/** Diff lines for chat: sign, then the content without its deep YAML indentation. */
export function diffLines(diff: DiffSummary, max: number): string[] {
  const shown = diff.sample.slice(0, max).map((l) => {
    const text = `${l[0]} ${l.slice(1).trim()}`;
    return text.length > MAX_DIFF_LINE ? `${text.slice(0, MAX_DIFF_LINE - 1)}…` : text;
  });
  const total = diff.plus + diff.minus;
  if (total > shown.length) shown.push(`… ${total - shown.length} more changed line${total - shown.length === 1 ? '' : 's'}`);
  return shown;
}

/**
 * Start and end of a deploy on every announce channel of the service, on every configured network —
 * except the channel the request came from, which gets the same news as replies.
 */
export function announcements(config: Config, service: string, lines: Line[], except?: ReplyTarget): OutgoingMessage[] {
  const asked = (t: AnnounceTarget): boolean =>
    !!except && except.network === t.network && except.target.toLowerCase() === t.target.toLowerCase() && !except.threadId;
  return announceTargets(config, service)
    .filter((t) => !asked(t))
    .map((t) => ({ network: t.network, target: t.target, lines }));
}

/** A line to where the request came from, without pinging the asker on every milestone (Slack shows it in the acknowledgement). */
export function progress(to: ReplyTarget, line: Line): OutgoingMessage {
  return { network: to.network, target: to.target, ...(to.threadId ? { threadId: to.threadId } : {}), lines: [line], progress: true };
}
