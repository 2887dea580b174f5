// The one place results become network text: command hints and login hints are written the
// network's way, and what a network cannot show (sections, topics) is left out.
import { render, type PartStyle } from '../core/parts.js';
import type { OutgoingMessage } from '../core/types.js';
import type { Capabilities, RenderedMessage } from './adapter.js';

export function renderFor(msg: OutgoingMessage, caps: Capabilities): RenderedMessage {
  const style: PartStyle = { command: caps.command, login: caps.login };
  const { sections, topic, ...rest } = msg;
  return {
    ...rest,
    lines: msg.lines.map((l) => render(l, style)),
    ...(sections?.length && caps.blocks ? { sections: sections.map((s) => ({ ...s, lines: s.lines.map((l) => render(l, style)) })) } : {}),
    ...(topic && caps.topic ? { topic } : {}),
  };
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
