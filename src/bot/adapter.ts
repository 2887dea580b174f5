import type { ChatMessage, NetworkName, OutgoingMessage } from '../core/types.js';

/**
 * A chat network, as the gateway sees it. Adapters know nothing of commands:
 * they deliver messages addressed to the bot (prefix already removed) and send lines.
 */
export interface ChatAdapter {
  readonly network: NetworkName;
  start(onMessage: (msg: ChatMessage) => void): Promise<void>;
  send(msg: OutgoingMessage): Promise<void>;
  stop(): Promise<void>;
  /** Connected and able to send (for /readyz). */
  readonly connected?: boolean;
}
