import { randomBytes } from 'node:crypto';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { oneLine } from '../core/sanitize.js';
import type { ChatMessage } from '../core/types.js';
import type { ChatAdapter, RenderedMessage } from './adapter.js';
import { PLAIN_CAPABILITIES } from './render.js';

export interface ConsoleOptions {
  input?: Readable;
  output?: Writable;
  /** Who is typing: the local user, treated as a logged-in account of that name. */
  user?: string;
  onEnd?: () => void;
  /** A sandbox session: the prompt says so and every line printed starts with [sandbox]. */
  sandbox?: boolean;
  /** Prompt, line editing and history (readline's terminal mode); default: when the input is a terminal. */
  terminal?: boolean;
  /** Piped input: how long a command may go unanswered before the next one is sent anyway. */
  answerTimeoutMs?: number;
  /** Commands typed (or piped) before this settles wait for it: the rest of the process is still starting. */
  hold?: Promise<unknown>;
}

const QUIT = new Set(['quit', 'exit', 'q', ':q', 'bye']);

/**
 * stdin/stdout chat: type `superset status` (or `!superset status`), read the answer. On a terminal:
 * a prompt, line editing and history; answers printed above the line being typed. Piped: one command
 * at a time, the next once the previous is answered, so answers come in the order of the questions.
 */
export class ConsoleAdapter implements ChatAdapter {
  readonly network = 'console';
  /** This console's own outbox: two consoles on one Redis each get their own replies (src/bot/outbox-drain.ts). */
  readonly outbox = `${process.pid}-${randomBytes(3).toString('hex')}`;
  /** Commands as you type them here: no prefix. */
  readonly capabilities = PLAIN_CAPABILITIES;
  private rl?: Interface;
  private seq = 0;
  private closed = false;
  private tty = false;
  private readonly user: string;
  /** Piped mode: lines waiting for the previous command's answer. */
  private readonly waiting: string[] = [];
  private busy = false;
  private timer?: NodeJS.Timeout;
  private inputEnded = false;
  private onMessage?: (msg: ChatMessage) => void;
  connected = false;

  constructor(private readonly opts: ConsoleOptions = {}) {
    this.user = opts.user ?? process.env.USER ?? 'operator';
  }

  private get out(): Writable {
    return this.opts.output ?? process.stdout;
  }

  async start(onMessage: (msg: ChatMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    const input = this.opts.input ?? process.stdin;
    this.tty = this.opts.terminal ?? !!(input as { isTTY?: boolean }).isTTY;
    const prompt = this.opts.sandbox ? 'sandbox> ' : 'deckhand> ';
    this.rl = this.tty
      ? createInterface({ input, output: this.out, terminal: true, prompt, historySize: 500, removeHistoryDuplicates: true })
      : createInterface({ input, terminal: false });
    this.rl.on('line', (line) => this.take(line));
    // Ctrl-C: drop the line being typed, or leave on an empty one (like a shell)
    this.rl.on('SIGINT', () => {
      if (this.rl!.line) {
        this.out.write('^C\n');
        (this.rl as unknown as { line: string }).line = '';
        this.rl!.prompt();
      } else this.rl!.close();
    });
    this.rl.on('close', () => {
      this.inputEnded = true;
      if (this.tty) this.end();
      else this.next();
    });
    this.connected = true;
    if (this.tty) this.rl.prompt();
  }

  private take(line: string): void {
    const text = line.trim().replace(/^!/, '');
    if (!text) return void (this.tty && this.rl?.prompt());
    if (this.tty) return QUIT.has(text.toLowerCase()) ? this.quit() : this.deliver(text);
    this.waiting.push(text);
    this.next();
  }

  private quit(): void {
    this.inputEnded = true;
    this.waiting.length = 0;
    this.rl?.close();
    this.end();
  }

  /** Piped: send the next line when nothing is waiting for an answer; end after the last answer. */
  private next(): void {
    if (this.busy) return;
    const text = this.waiting.shift();
    if (text === undefined) {
      if (this.inputEnded) this.end();
      return;
    }
    if (QUIT.has(text.toLowerCase())) return this.quit();
    this.busy = true;
    this.timer = setTimeout(() => this.answered(), this.opts.answerTimeoutMs ?? 30_000);
    this.deliver(text);
  }

  private answered(): void {
    clearTimeout(this.timer);
    this.busy = false;
    this.next();
  }

  private deliver(text: string): void {
    if (this.opts.hold) return void this.opts.hold.finally(() => this.send_(text));
    this.send_(text);
  }

  private send_(text: string): void {
    this.onMessage?.({
      network: this.network,
      channel: 'console',
      isPrivate: true,
      sender: { id: this.user, nick: this.user, account: this.user },
      text,
      messageId: String(++this.seq),
    });
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    clearTimeout(this.timer);
    if (this.tty) this.out.write('\n');
    this.opts.onEnd?.();
  }

  async send(msg: RenderedMessage): Promise<void> {
    const out = this.out;
    // what is announced to the service's channels (here: the console) reads apart from the answers to you
    const mark = (this.opts.sandbox ? '[sandbox] ' : '') + (msg.target === this.user ? '' : 'announced: ');
    if (this.tty && !this.closed) {
      // above the line being typed, which is drawn again below
      clearLine(out, 0);
      cursorTo(out, 0);
    }
    for (const line of msg.lines) out.write(mark + oneLine(line) + '\n');
    if (this.tty && !this.closed) this.rl?.prompt(true);
    // a final answer to the asker (not a milestone, not an announcement to the channel) lets the next piped line go
    if (!this.tty && this.busy && !msg.progress && msg.target === this.user) this.answered();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.rl?.close();
    this.connected = false;
  }
}
