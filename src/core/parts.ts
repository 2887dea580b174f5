// Chat lines as data. A line is text, or text with parts only the network can render:
// a command hint ("confirm abc" → IRC `!confirm abc`, Slack `/deckhand confirm abc`) and the
// network's way to log in. Adapters render them (src/bot/render.ts); nothing else names a network.

export type Part = string | { cmd: string } | { login: true };
export type Line = string | readonly Part[];

/** A command the asker can type next. */
export const cmd = (command: string): Part => ({ cmd: command });

/** How to log in on the asker's network (IRC: services; elsewhere a generic hint). */
export const LOGIN: Part = { login: true };

/** Tagged template: `` line`to go ahead, say ${cmd('confirm abc')}` `` → parts. */
export function line(strings: TemplateStringsArray, ...values: (Part | number)[]): Part[] {
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push(s);
    if (i < values.length) {
      const v = values[i]!;
      parts.push(typeof v === 'number' ? String(v) : v);
    }
  });
  return parts;
}

export interface PartStyle {
  command(command: string): string;
  login: string;
}

/** The style of logs, history summaries and the console: commands as typed, no prefix. */
export const PLAIN: PartStyle = { command: (c) => c, login: 'log in and try again' };

export function render(l: Line, style: PartStyle = PLAIN): string {
  if (typeof l === 'string') return l;
  return l.map((p) => (typeof p === 'string' ? p : 'cmd' in p ? style.command(p.cmd) : style.login)).join('');
}

/** Text of a line as the console would show it (for summaries, history, tests). */
export const plain = (l: Line): string => render(l);

export function toParts(l: Line): Part[] {
  return typeof l === 'string' ? [l] : [...l];
}

/** A line with more text after it. */
export function append(l: Line, ...more: Part[]): Part[] {
  return [...(typeof l === 'string' ? [l] : l), ...more];
}

/** A line with text before it ("alice: …"). */
export function prepend(text: string, l: Line): Line {
  return typeof l === 'string' ? text + l : [text, ...l];
}
