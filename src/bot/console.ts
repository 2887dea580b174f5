import { createInterface, type Interface } from 'node:readline';
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
}

/** stdin/stdout chat: type `superset status` (or `!superset status`), read the answer. */
export class ConsoleAdapter implements ChatAdapter {
  readonly network = 'console';
  /** Commands as you type them here: no prefix. */
  readonly capabilities = PLAIN_CAPABILITIES;
  private rl?: Interface;
  private seq = 0;
  connected = false;

  constructor(private readonly opts: ConsoleOptions = {}) {}

  async start(onMessage: (msg: ChatMessage) => void): Promise<void> {
    const user = this.opts.user ?? process.env.USER ?? 'operator';
    this.rl = createInterface({ input: this.opts.input ?? process.stdin, terminal: false });
    this.rl.on('line', (line) => {
      const text = line.trim().replace(/^!/, '');
      if (!text) return;
      onMessage({
        network: this.network,
        channel: 'console',
        isPrivate: true,
        sender: { id: user, nick: user, account: user },
        text,
        messageId: String(++this.seq),
      });
    });
    this.rl.on('close', () => {
      this.connected = false;
      this.opts.onEnd?.();
    });
    this.connected = true;
  }

  async send(msg: RenderedMessage): Promise<void> {
    const out = this.opts.output ?? process.stdout;
    for (const line of msg.lines) out.write(oneLine(line) + '\n');
  }

  async stop(): Promise<void> {
    this.rl?.close();
    this.connected = false;
  }
}
