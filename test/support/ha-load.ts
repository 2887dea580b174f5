// Load through the bot while Redis fails over: distinct askers each ask `superset status` once, and ask
// again when told the queue is unreachable (as the line says to). Counted from what the bot sent: asked
// (askers), answered (askers who got their status), answered twice, refusals, and askers never answered.
import type { CaptureAdapter } from './deploy-harness.js';

export interface LoadCounts {
  asked: number;
  answered: number;
  duplicates: number;
  lost: number;
  /** "the job queue is unreachable" lines, each followed by the asker asking again. */
  refused: number;
}

export async function askThroughFailover(
  chat: CaptureAdapter,
  o: { askers: number; everyMs: number; during: () => Promise<void>; atAsker: number; settleMs: number; retryMs?: number; deadlineMs?: number },
): Promise<LoadCounts> {
  const from = chat.sent.length;
  const askersSeen = new Set<string>();
  let refused = 0;
  const ask = (nick: string) => chat.say(nick, '!superset status', { account: null });
  // a refusal: ask again in a moment
  const seenLines = new Set<number>();
  const retry = setInterval(() => {
    chat.sent.forEach((s, i) => {
      if (i < from || seenLines.has(i)) return;
      seenLines.add(i);
      const m = /^(u\d+): the job queue is unreachable/.exec(s.line);
      if (m) {
        refused++;
        setTimeout(() => ask(m[1]!), o.retryMs ?? 500);
      }
    });
  }, 50);
  let during: Promise<void> | undefined;
  for (let i = 0; i < o.askers; i++) {
    const nick = `u${i}`;
    askersSeen.add(nick);
    ask(nick);
    if (i === o.atAsker) during = o.during();
    await new Promise((r) => setTimeout(r, o.everyMs));
  }
  await during;
  // until every asker has an answer, or settleMs without a new line, or the deadline
  const deadline = Date.now() + (o.deadlineMs ?? 60_000);
  let last = Date.now();
  let count = 0;
  for (;;) {
    const n = chat.sent.length;
    if (n !== count) ((count = n), (last = Date.now()));
    const answers = answered(chat, from);
    if ([...askersSeen].every((a) => (answers.get(a) ?? 0) > 0) || Date.now() - last > o.settleMs || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(retry);
  const answers = answered(chat, from);
  return {
    asked: askersSeen.size,
    answered: [...askersSeen].filter((a) => (answers.get(a) ?? 0) > 0).length,
    duplicates: [...answers.values()].filter((n) => n > 1).length,
    lost: [...askersSeen].filter((a) => !answers.get(a)).length,
    refused,
  };
}

function answered(chat: CaptureAdapter, from: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of chat.sent.slice(from)) {
    const a = /^(u\d+): superset production: /.exec(s.line);
    if (a) m.set(a[1]!, (m.get(a[1]!) ?? 0) + 1);
  }
  return m;
}
