// The one place results become network text: command hints and login hints are written the
// network's way, and what a network cannot show (sections, topics, buttons) is left out.
import { cmd, line, render, type Line, type PartStyle } from '../core/parts.js';
import type { OutgoingMessage } from '../core/types.js';
import type { Capabilities, RenderedMessage } from './adapter.js';

export function renderFor(msg: OutgoingMessage, caps: Capabilities): RenderedMessage {
  const style: PartStyle = { command: caps.command, login: caps.login };
  const { sections, topic, jobId, actions, settled, ...rest } = msg;
  return {
    ...rest,
    // buttons and their outcome only where the network has buttons: elsewhere the lines say what to type
    ...(actions && caps.buttons ? { actions } : {}),
    ...(settled && caps.buttons ? { settled } : {}),
    lines: capped(msg.lines, caps.maxLines, jobId).map((l) => render(l, style)),
    ...(sections?.length && caps.blocks ? { sections: sections.map((s) => ({ ...s, lines: s.lines.map((l) => render(l, style)) })) } : {}),
    ...(topic && caps.topic ? { topic } : {}),
  };
}

/** A long answer: the first lines, then where the rest is (the job's log keeps the whole answer). */
function capped(lines: readonly Line[], max: number | undefined, jobId: string | undefined): readonly Line[] {
  if (!max || !jobId || lines.length <= max) return lines;
  const rest = lines.length - (max - 1);
  return [...lines.slice(0, max - 1), line`… ${rest} more lines: ${cmd(`job ${jobId} log`)}`];
}

export const PLAIN_CAPABILITIES: Capabilities = {
  command: (c) => c,
  login: 'log in and try again',
  threads: false,
  ephemeral: false,
  blocks: false,
  topic: false,
  buttons: false,
};
