import type { JobResult, OutgoingMessage, ReplyTarget } from '../core/types.js';

/** Channel replies name the asker on the first line; private replies need not. */
export function replyLines(to: ReplyTarget, lines: string[], isPrivate = false): OutgoingMessage {
  const addressed = to.target === to.nick || isPrivate ? lines : lines.map((l, i) => (i === 0 ? `${to.nick}: ${l}` : l));
  return {
    network: to.network,
    target: to.target,
    ...(to.threadId ? { threadId: to.threadId } : {}),
    lines: addressed,
    ...(isPrivate ? { private: true } : {}),
  };
}

export function replyResult(to: ReplyTarget, result: JobResult): OutgoingMessage {
  return replyLines(to, result.lines.length ? result.lines : [result.summary]);
}
