import { TokenBucket } from './pacer.js';

export interface CtcpSettings {
  /** Answer CTCP VERSION, PING, TIME and CLIENTINFO at all. */
  answer: boolean;
  version: string;
  /** One answer per sender (nick) this often at most. */
  perSenderSeconds: number;
  /** At most this many answers a minute in all. */
  perMinute: number;
  /** At most this many answers waiting to be sent; more are not answered. */
  maxQueued: number;
}

export const CTCP_DEFAULTS: CtcpSettings = { answer: true, version: 'Deckhand ChatOps bot', perSenderSeconds: 60, perMinute: 10, maxQueued: 3 };

const ANSWERED = ['VERSION', 'PING', 'TIME', 'CLIENTINFO'];

/**
 * What the bot answers to a CTCP request, if anything. irc-framework would answer VERSION itself,
 * outside any pacing (a VERSION flood from 20 clients got the bot disconnected in 2 s): the adapter
 * turns that off and asks this instead, then queues the answer as a paced NOTICE. Limits: per sender,
 * in all per minute, and on what is already waiting.
 */
export class CtcpResponder {
  private readonly lastBySender = new Map<string, number>();
  private readonly overall: TokenBucket;

  constructor(
    private readonly s: CtcpSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.overall = new TokenBucket(Math.max(1, Math.min(s.perMinute, 3)), s.perMinute / 60, now);
  }

  /** The answer's text between the \x01 marks, or undefined to stay silent. `queued`: answers waiting now. */
  answer(req: { nick: string; type: string | null; message: string }, queued: number): string | undefined {
    if (!this.s.answer || !req.nick) return undefined;
    const type = (req.type ?? '').toUpperCase();
    if (!ANSWERED.includes(type)) return undefined;
    if (queued >= this.s.maxQueued) return undefined;
    const sender = req.nick.toLowerCase();
    const t = this.now();
    const last = this.lastBySender.get(sender);
    if (last !== undefined && t - last < this.s.perSenderSeconds * 1000) return undefined;
    if (!this.overall.tryTake()) return undefined;
    this.lastBySender.set(sender, t);
    if (this.lastBySender.size > 1000) {
      for (const [k, v] of this.lastBySender) if (t - v >= this.s.perSenderSeconds * 1000) this.lastBySender.delete(k);
    }
    switch (type) {
      case 'VERSION':
        return `VERSION ${clean(this.s.version, 200)}`;
      case 'PING': {
        const payload = clean(req.message.slice(4).trim(), 64);
        return payload ? `PING ${payload}` : 'PING';
      }
      case 'TIME':
        return `TIME ${new Date(t).toUTCString()}`;
      default:
        return `CLIENTINFO ${ANSWERED.join(' ')}`;
    }
  }
}

/** No control characters (nor the CTCP marker) in what goes back, and not too long. */
function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, max);
}
