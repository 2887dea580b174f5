import type { ChatMessage, MessageSection, NetworkName, OutgoingMessage } from '../core/types.js';

/** What a network can do, and how it writes what the bot suggests typing. Rendering reads this (render.ts). */
export interface Capabilities {
  /** A command hint as the asker types it: IRC `!confirm abc`, Slack `/deckhand confirm abc`. */
  command(command: string): string;
  /** How to log in on this network, for "needs an account" answers. */
  login: string;
  threads: boolean;
  /** Replies only the asker sees. */
  ephemeral: boolean;
  /** Structured sections (Slack Block Kit). */
  blocks: boolean;
  /** Channel topics the bot may change (maintenance suffix). */
  topic: boolean;
  buttons: boolean;
  /** Lines one answer may take before the rest goes to the job's log with a pointer (IRC floods easily). */
  maxLines?: number;
}

/** An OutgoingMessage rendered for one network: every line is text. */
export interface RenderedSection extends Omit<MessageSection, 'lines'> {
  lines: string[];
}
export interface RenderedMessage extends Omit<OutgoingMessage, 'lines' | 'sections'> {
  lines: string[];
  sections?: RenderedSection[];
}

/**
 * A chat network, as the gateway sees it. Adapters know nothing of commands:
 * they deliver messages addressed to the bot (prefix already removed) and send rendered lines.
 */
export interface ChatAdapter {
  readonly network: NetworkName;
  readonly capabilities: Capabilities;
  start(onMessage: (msg: ChatMessage) => void): Promise<void>;
  send(msg: RenderedMessage): Promise<void>;
  stop(): Promise<void>;
  /** Connected and able to send (for /readyz). */
  readonly connected?: boolean;
  /**
   * Outbox messages handed to send() at once (default 1: one after another). An adapter that queues and
   * orders lines itself (IRC: per asker, paced) takes many, so one asker's burst cannot hold up another's answer.
   */
  readonly sendConcurrency?: number;
  /** An outbox of this adapter instance alone (a console: its replies must not go to another console on the same Redis). */
  readonly outbox?: string;
}
