import type { Client, CtcpEvent, IrcErrorEvent } from 'irc-framework';
import type { Socket } from 'node:net';
import type { IrcConfig } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import { CtcpResponder, CTCP_DEFAULTS, type CtcpSettings } from './irc-ctcp.js';
import { sendLimits, type RateProfileName } from './irc-limits.js';
import { PacedWriter, type WriterStats } from './irc-writer.js';
import { splitLine } from './split.js';

/** The `irc.rate` and `irc.ctcp` settings this reads (defaults when the config has none). */
type RateSettings = { profile?: RateProfileName; burst?: number; perSecond?: number; lagMs?: number };
type SendConfig = Pick<IrcConfig, 'maxLineBytes'> & { rate?: RateSettings; ctcp?: Partial<CtcpSettings> };

const CTCP_KEY = 'ctcp';
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The IRC adapter's way out: every line irc-framework writes passes the PacedWriter (its Connection.write
 * is replaced), CTCP requests are answered here (paced, limited) instead of by the library, and replies
 * are split and queued per asker. `send()` resolves once the server acknowledged the reply's lines.
 */
export class IrcSendPath {
  readonly writer: PacedWriter;
  private readonly ctcp: CtcpResponder;
  private client?: Client;
  private lastError = '';

  constructor(private readonly o: { config: SendConfig; log: Logger; socket: () => Socket | undefined }) {
    const rate = o.config.rate ?? {};
    this.writer = new PacedWriter({
      write: (line, cb) => this.rawWrite(line, cb),
      socket: o.socket,
      limits: () => sendLimits(rate, this.client?.network.ircd),
      lagMs: rate.lagMs ?? 1000,
      log: o.log,
    });
    this.ctcp = new CtcpResponder({ ...CTCP_DEFAULTS, ...o.config.ctcp });
  }

  /** Options for the irc-framework Client: CTCP VERSION is ours, so the library must not answer it. */
  static readonly clientOptions = { version: '' } as const;

  private original?: (line: string, cb?: () => void) => boolean;

  private rawWrite(line: string, cb?: () => void): boolean {
    if (!this.original) {
      cb?.();
      return false;
    }
    return this.original(line, cb);
  }

  /** Take over the client's writes and follow its connection. Call before other listeners are added. */
  attach(client: Client): void {
    this.client = client;
    const connection = client.connection as unknown as { write(line: string, cb?: () => void): boolean };
    this.original = connection.write.bind(connection);
    connection.write = (line: string, cb?: () => void) => this.writer.intercept(line, cb);
    client.on('connecting', () => this.writer.onConnecting());
    let told = false;
    client.on('connecting', () => (told = false));
    client.on('registered', () => this.writer.onRegistered());
    client.on('server options', () => {
      if (told) return;
      told = true;
      const l = sendLimits(this.o.config.rate ?? {}, client.network.ircd);
      this.o.log.info({ ircd: client.network.ircd || undefined, profile: l.profile, burst: l.burst, perSecond: l.perSecond }, 'irc pacing');
    });
    client.on('socket close', () => {
      if (/excess flood|recvq exceeded|flood/i.test(this.lastError)) {
        this.o.log.error({ reason: this.lastError }, 'irc server closed the link for flooding');
        this.writer.onFloodError();
      }
      this.lastError = '';
      this.writer.onClose();
    });
    client.on('irc error', (e: IrcErrorEvent) => {
      if (e.error === 'irc') this.lastError = String(e.reason ?? '');
    });
    client.on('pong', (e: { message?: string }) => this.writer.onPong(e.message));
    client.on('ctcp request', (e: CtcpEvent) => {
      if (client.caseCompare(e.nick ?? '', client.user.nick)) return;
      const answer = this.ctcp.answer(e, this.writer.queuedFor(CTCP_KEY));
      if (answer) this.writer.notice(CTCP_KEY, e.nick, `\x01${answer}\x01`);
    });
  }

  /**
   * Queue a reply: split to `maxLineBytes`, under the asker's queue. Channel replies name the asker on their
   * first line ("alice: …", see reply.ts); an answer that resumes after someone else's lines names them again,
   * so the other lines leave room for that.
   */
  send(target: string, lines: string[]): Promise<void> {
    const max = this.o.config.maxLineBytes;
    const channel = /^[#&+!]/.test(target);
    const asker = channel ? /^([^\s:]+): /.exec(lines[0] ?? '')?.[1] : undefined;
    const reserve = asker ? bytes(asker) + 2 : 0;
    const pieces = lines.flatMap((line, i) => splitLine(line, i === 0 ? max : max - reserve));
    const key = `${target.toLowerCase()} ${channel ? (asker ?? '').toLowerCase() : ''}`;
    return this.writer.send(key, target, pieces, asker);
  }

  stop(): void {
    this.writer.stop();
  }

  stats(): WriterStats {
    return this.writer.stats();
  }
}
