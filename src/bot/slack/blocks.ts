// OutgoingMessage → Slack message payloads (text, and Block Kit when the message is structured).
// Nothing is cut: long output becomes several blocks, then several messages (posted in order into
// the same thread). Data is escaped for mrkdwn, so a pod name or log line cannot mention @channel
// or forge a link.
import { oneLine } from '../../core/sanitize.js';
import type { RenderedMessage as OutgoingMessage, RenderedSection as MessageSection } from '../adapter.js';

/** The few Block Kit shapes Deckhand sends. */
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}
export interface SectionBlock {
  type: 'section';
  text: MrkdwnText;
}
export interface ContextBlock {
  type: 'context';
  block_id?: string;
  elements: MrkdwnText[];
}
export interface ButtonElement {
  type: 'button';
  text: { type: 'plain_text'; text: string };
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
}
export interface ActionsBlock {
  type: 'actions';
  block_id: string;
  elements: ButtonElement[];
}
export type Block = SectionBlock | ContextBlock | ActionsBlock;

/** Clicks on Deckhand's buttons carry action ids starting with this (the adapter listens for them). */
export const ACTION_PREFIX = 'deckhand:';
/** The block that shows what became of the buttons ("confirmed by @bob"). */
export const OUTCOME_BLOCK = 'deckhand-outcome';

export interface SlackPayload {
  /** Plain fallback (notifications, screen readers); the whole message when there are no blocks. */
  text: string;
  blocks?: Block[];
}

/** Slack's limit for a section's text is 3,000 characters; keep a margin for the code fences. */
export const SECTION_MAX = 2900;
/** Slack allows 50 blocks per message. */
const BLOCKS_PER_MESSAGE = 40;
/** Plain messages longer than this are split (Slack folds long messages behind "see more" and splits at 40k). */
const TEXT_MAX = 3500;

const ICON = { healthy: ':white_check_mark:', unhealthy: ':x:' } as const;

/** mrkdwn control characters: `&`, `<`, `>` must be entities (this also disarms `<!channel>` and `<@U…>` in data). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inside a ``` block nothing is formatted, but a ``` in the data would end it early. */
function codeSafe(line: string): string {
  return escapeMrkdwn(oneLine(line)).replace(/```/g, '`\u200b``');
}

/**
 * Split lines into chunks whose joined length (with `\n`) stays within `max`, at line boundaries;
 * a single longer line is split by characters (never inside a surrogate pair).
 */
export function chunkLines(lines: string[], max: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  const flush = () => {
    if (current.length) chunks.push(current);
    current = [];
    size = 0;
  };
  for (const line of lines) {
    const pieces = line.length <= max ? [line] : splitChars(line, max);
    for (const piece of pieces) {
      const add = (current.length ? 1 : 0) + piece.length;
      if (size + add > max) flush();
      size += (current.length ? 1 : 0) + piece.length;
      current.push(piece);
    }
  }
  flush();
  return chunks;
}

function splitChars(line: string, max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of line) {
    if (current.length + ch.length > max) {
      out.push(current);
      current = '';
    }
    current += ch;
  }
  if (current) out.push(current);
  return out;
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function codeBlocks(lines: string[]): SectionBlock[] {
  return chunkLines(lines.map(codeSafe), SECTION_MAX - 8).map((chunk) => section('```\n' + chunk.join('\n') + '\n```'));
}

/** The heading of a section: icon, bold title, and the summary line without its repeated `title: `. */
function heading(s: MessageSection, summary: string | undefined): string {
  const icon = s.ok === true ? `${ICON.healthy} ` : s.ok === false ? `${ICON.unhealthy} ` : '';
  const title = s.title ? `*${escapeMrkdwn(oneLine(s.title))}*` : '';
  let rest = summary ?? '';
  if (s.title && rest.startsWith(`${s.title}: `)) rest = rest.slice(s.title.length + 2);
  const body = escapeMrkdwn(oneLine(rest));
  return `${icon}${[title, body].filter(Boolean).join('  ')}`;
}

/**
 * One environment (or one part of a result) → blocks: a line for the heading and summary, then the
 * details (unhealthy pods, log lines) as a code block. Usually one section block; long details spill
 * into further blocks.
 */
function sectionBlocks(s: MessageSection): SectionBlock[] {
  if (s.code) {
    const head = s.title || s.ok !== undefined ? [section(heading(s, undefined))] : [];
    return [...head, ...codeBlocks(s.lines)];
  }
  const [first, ...details] = s.lines;
  const head = heading(s, first);
  const detailLines = details.map((l) => l.trim()).filter(Boolean);
  if (!detailLines.length) return chunkLines([head], SECTION_MAX).map((c) => section(c.join('\n')));
  const together = `${head}\n\`\`\`\n${detailLines.map(codeSafe).join('\n')}\n\`\`\``;
  if (together.length <= SECTION_MAX) return [section(together)];
  return [...chunkLines([head], SECTION_MAX).map((c) => section(c.join('\n'))), ...codeBlocks(detailLines)];
}

/** Plain text for a message: the lines, escaped, one per line. */
function plainText(lines: string[]): string {
  return lines.map((l) => escapeMrkdwn(oneLine(l))).join('\n');
}

/**
 * Everything to post for one OutgoingMessage, in order. Structured messages become blocks (a section
 * per MessageSection, at most BLOCKS_PER_MESSAGE per post); plain ones become text, split at TEXT_MAX.
 */
export function renderMessage(msg: OutgoingMessage): SlackPayload[] {
  if (msg.sections?.length) {
    const perSection = msg.sections.map((s) => ({ s, blocks: sectionBlocks(s) }));
    const payloads: SlackPayload[] = [];
    let blocks: Block[] = [];
    let fallback: string[] = [];
    const flush = () => {
      if (!blocks.length) return;
      payloads.push({ text: truncateFallback(fallback), blocks });
      blocks = [];
      fallback = [];
    };
    for (const { s, blocks: b } of perSection) {
      // keep a section's blocks together when they fit in one message
      if (blocks.length + b.length > BLOCKS_PER_MESSAGE) flush();
      for (const block of b) {
        if (blocks.length >= BLOCKS_PER_MESSAGE) flush();
        blocks.push(block);
      }
      fallback.push(...s.lines.slice(0, 1));
    }
    flush();
    const total = payloads.length;
    if (total > 1) {
      payloads.forEach((p, i) => p.blocks!.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `part ${i + 1} of ${total}` }] }));
    }
    return payloads;
  }
  const lines = msg.lines.length ? msg.lines : ['(no output)'];
  return chunkLines(
    lines.map((l) => escapeMrkdwn(oneLine(l))),
    TEXT_MAX,
  ).map((chunk) => ({ text: chunk.join('\n') }));
}

/** The fallback `text` of a block message is only a notification preview; blocks carry everything. */
function truncateFallback(lines: string[]): string {
  const text = plainText(lines);
  return text.length > 3000 ? text.slice(0, 2999) + '…' : text || ' ';
}

/**
 * The buttons under the last message of an answer. Each button's value is the command it stands for:
 * a click is taken as if the clicker had typed it. Plain text becomes section blocks so the buttons
 * can follow it.
 */
export function withActions(payloads: SlackPayload[], actions: NonNullable<OutgoingMessage['actions']>): SlackPayload[] {
  if (!payloads.length) return payloads;
  const last = payloads[payloads.length - 1]!;
  const blocks: Block[] = last.blocks ? [...last.blocks] : chunkLines(last.text.split('\n'), SECTION_MAX).map((c) => section(c.join('\n')));
  blocks.push({
    type: 'actions',
    block_id: `deckhand-actions-${actions.key}`.slice(0, 255),
    elements: actions.buttons.map((b, i) => ({
      type: 'button',
      text: { type: 'plain_text', text: oneLine(b.label).slice(0, 75) },
      action_id: `${ACTION_PREFIX}${i}`,
      value: oneLine(b.command).slice(0, 2000),
      ...(b.style ? { style: b.style } : {}),
    })),
  });
  return [...payloads.slice(0, -1), { text: last.text, blocks }];
}

/** The message again after its buttons decided: the same blocks, the buttons gone (unless still open), what happened below. */
export function settledBlocks(blocks: Block[], outcome: string, keepButtons: boolean): Block[] {
  const kept = blocks.filter((b) => !(b.type === 'context' && b.block_id === OUTCOME_BLOCK) && (keepButtons || b.type !== 'actions'));
  return [...kept, { type: 'context', block_id: OUTCOME_BLOCK, elements: [{ type: 'mrkdwn', text: outcome }] }];
}
