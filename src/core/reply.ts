import { prepend, type Line } from './parts.js';
import type { JobResult, OutgoingMessage, ReplyTarget } from './types.js';

/**
 * Channel replies name the asker on the first line. `isPrivate` asks for the asker's eyes only where the
 * network can do that (Slack ephemeral); on IRC it is still a channel line, addressed to the asker.
 */
export function replyLines(to: ReplyTarget, lines: readonly Line[], isPrivate = false): OutgoingMessage {
  const addressed = to.target === to.nick ? [...lines] : lines.map((l, i) => (i === 0 ? prepend(`${to.nick}: `, l) : l));
  return {
    network: to.network,
    target: to.target,
    ...(to.threadId ? { threadId: to.threadId } : {}),
    ...(to.outbox ? { outbox: to.outbox } : {}),
    lines: addressed,
    ...(isPrivate ? { private: true } : {}),
  };
}

export function replyResult(to: ReplyTarget, result: JobResult, jobId?: string): OutgoingMessage {
  const msg = {
    ...replyLines(to, result.lines.length ? result.lines : [result.summary]),
    ...(jobId ? { jobId } : {}),
    ...(result.actions ? { actions: result.actions } : {}),
  };
  return result.sections?.length ? { ...msg, sections: result.sections } : msg;
}
