import type { Socket } from 'node:net';
import type { Logger } from '../core/log.js';
import { FairQueue } from './fair-queue.js';
import { commandOf, lineCost, registrationCost, type SendLimits } from './irc-limits.js';
import { TokenBucket } from './pacer.js';

/** A reply's lines: settled once the server has acknowledged all of them (or the writer stops). */
interface Delivery {
  remaining: number;
  resolve(): void;
  reject(err: Error): void;
}

type Item =
  /** A line of a reply or a CTCP answer: built when written, so an answer resumed after others gets its asker's name again. */
  | { kind: 'message'; key: string; verb: 'PRIVMSG' | 'NOTICE'; target: string; text: string; first: boolean; asker?: string; delivery?: Delivery }
  /** A PRIVMSG/NOTICE someone wrote through the connection directly. */
  | { kind: 'raw'; key: string; line: string; cb?: () => void }
  /** Every other command (JOIN, WHO, WHOIS, TOPIC, MODE, the library's PING…): ahead of replies. */
  | { kind: 'control'; line: string; cb?: () => void }
  /** Our PING: acknowledges what went before it and measures the server's lag. */
  | { kind: 'barrier' };

interface Written {
  seq: number;
  bytes: number;
  item: Item;
}

export interface PacedWriterOptions {
  /** The connection's own write (what the writer replaces); false when not connected. */
  write(line: string, cb?: () => void): boolean;
  /** The current socket, to send lines that leave together in one segment. */
  socket(): Socket | undefined;
  /** Limits for the server we are connected to (the profile can depend on its version). */
  limits(): SendLimits;
  /** A PING round trip this much above the connection's best counts as lag: slow down. */
  lagMs: number;
  /** Quiet this long after the last line before the barrier that acknowledges it (default ACK_DELAY_MS). */
  ackDelayMs?: number;
  log: Logger;
  now?: () => number;
}

export interface WriterStats {
  queued: number;
  unacked: number;
  burst: number;
  perSecond: number;
  /** 1 = the configured rate; less while the server shows lag. */
  factor: number;
  lastRttMs?: number;
  minRttMs?: number;
  slowdowns: number;
  resent: number;
}

const MIN_FACTOR = 0.25;

/**
 * Why the barrier after a reply waits for a quiet moment: its PONG is a line the bot reads and does not
 * answer, so the bot's kernel holds the ACK back (delayed ACK, 40 ms); the ircd leaves Nagle on and holds
 * its next line to us — typically the next command, sent as soon as the reply was read — until that ACK
 * comes. Sent once nothing has gone out for a while, the PONG arrives when no command is on its way, or
 * while one is being answered (the answer carries the ACK); answers in quick succession share one barrier.
 */
export const ACK_DELAY_MS = 50;

/**
 * Every line the IRC client writes goes through here (irc-framework's Connection.write is replaced),
 * paced by one token bucket that models the server's flood counter:
 * - PONG and QUIT, and everything before registration completes, go at once and are charged (debt);
 * - other commands (JOIN, WHO, WHOIS, TOPIC, the library's PING) go next, in order;
 * - replies go last, from per-asker queues served fairly (FairQueue).
 * After every `ackEvery` lines while the server's budget is nearly spent, and once the queues have run dry
 * and nothing went out for `ackDelayMs`, a PING barrier follows: its PONG says the server has processed
 * every line before it. Lines written to a connection that closes before
 * their barrier came back are queued again and sent after the reconnect, so a drop loses no reply
 * (a line may then arrive twice). At most `windowLines`/`windowBytes` stay unacknowledged — what a
 * server holding our lines (fakelag) keeps in its receive queue. A barrier slower than `lagMs` above
 * the best round trip halves the rate (down to a quarter); each prompt one gives back a quarter.
 */
export class PacedWriter {
  private readonly bucket: TokenBucket;
  private readonly control: Item[] = [];
  private readonly fair: FairQueue<Item & { kind: 'message' | 'raw' }>;
  private unacked: Written[] = [];
  private unackedBytes = 0;
  private barriers: { token: string; seq: number; sentAt: number; late: boolean }[] = [];
  private barrierQueued = false;
  private sinceBarrier = 0;
  private seq = 0;
  private connection = 0;
  private registered = false;
  /** Sending after registration has begun (a tick after 001). */
  private open = false;
  /** What registration cost (counted once the server, and so the bucket's size, is known). */
  private registrationDebt = 0;
  private settled = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  /** The barrier after a reply, once the writer has been quiet for ackDelayMs. */
  private ackTimer?: NodeJS.Timeout;
  private lastWriteAt = 0;
  private lagTimer?: NodeJS.Timeout;
  private factor = 1;
  private minRtt = Infinity;
  private lastRtt?: number;
  private slowdowns = 0;
  private resent = 0;
  /** Per target: the key whose line went there last (an answer resumed after another gets its asker's name). */
  private readonly lastKey = new Map<string, string>();

  constructor(private readonly o: PacedWriterOptions) {
    const l = o.limits();
    this.bucket = new TokenBucket(l.burst, l.perSecond, this.clock);
    this.fair = new FairQueue({ now: this.clock });
  }

  private readonly clock = (): number => (this.o.now ?? Date.now)();

  /** What the connection's write does now: pass on, or queue. */
  intercept(line: string, cb?: () => void): boolean {
    const command = commandOf(line);
    if (!this.registered && !this.stopped) {
      this.registrationDebt += registrationCost(command);
      return this.o.write(line, cb);
    }
    if (this.stopped || command === 'PONG' || command === 'QUIT') {
      this.bucket.charge(lineCost(command));
      return this.o.write(line, cb);
    }
    if (command === 'PRIVMSG' || command === 'NOTICE') {
      const target = line.split(' ')[line.startsWith('@') ? 2 : 1] ?? '';
      this.fair.push(`raw ${target.toLowerCase()}`, { kind: 'raw', key: `raw ${target.toLowerCase()}`, line, ...(cb ? { cb } : {}) });
    } else {
      this.control.push({ kind: 'control', line, ...(cb ? { cb } : {}) });
    }
    this.pump();
    return true;
  }

  /**
   * Queue a reply's lines (already split and clean) under `key` (one asker); resolves once the server
   * has acknowledged every line, rejects if the writer stops first. Waits for the connection when there is none.
   */
  send(key: string, target: string, texts: string[], asker?: string): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('IRC writer stopped'));
    if (!texts.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const delivery: Delivery = { remaining: texts.length, resolve, reject };
      texts.forEach((text, i) =>
        this.fair.push(key, { kind: 'message', key, verb: 'PRIVMSG', target, text, first: i === 0, ...(asker ? { asker } : {}), delivery }),
      );
      this.pump();
    });
  }

  /** Queue one NOTICE (a CTCP answer) under `key`; not re-sent after a drop. */
  notice(key: string, target: string, text: string): void {
    if (this.stopped) return;
    this.fair.push(key, { kind: 'message', key, verb: 'NOTICE', target, text, first: true });
    this.pump();
  }

  /** Lines queued under `key`, not yet written. */
  queuedFor(key: string): number {
    return this.fair.sizeOf(key);
  }

  /** A new connection: the server's counter starts at zero (registration lines are charged as they go). */
  onConnecting(): void {
    this.registered = false;
    this.open = false;
    this.connection++;
    this.minRtt = Infinity;
    this.registrationDebt = 0;
    this.settled = false;
    this.bucket.reset();
  }

  /** Registered (001): start sending what waited, after the handlers of this event have queued their JOINs. */
  onRegistered(): void {
    this.registered = true;
    const connection = this.connection;
    // after the rest of the welcome (002 names the server, so the profile) has been read
    setImmediate(() => {
      if (connection !== this.connection || !this.registered) return;
      this.open = true;
      this.pump();
    });
  }

  /**
   * The connection closed: reply lines not yet acknowledged go back to the head of their queues; other
   * commands belonged to that connection and are dropped (the bot rejoins on registration).
   */
  onClose(): void {
    this.registered = false;
    this.open = false;
    this.clearTimer();
    clearTimeout(this.lagTimer);
    this.clearAckTimer();
    const again = new Map<string, Item[]>();
    for (const w of this.unacked) {
      if (w.item.kind === 'message' && w.item.delivery) {
        const list = again.get(w.item.key) ?? [];
        list.push(w.item);
        again.set(w.item.key, list);
      }
    }
    for (const [key, items] of again) {
      this.fair.unshift(key, items as (Item & { kind: 'message' })[]);
      this.resent += items.length;
    }
    if (again.size) this.o.log.warn({ lines: this.resent }, 'irc connection closed with replies not yet acknowledged: they go again after the reconnect');
    this.unacked = [];
    this.unackedBytes = 0;
    this.barriers = [];
    this.barrierQueued = false;
    this.sinceBarrier = 0;
    this.lastKey.clear();
    for (const item of this.control.splice(0)) if (item.kind === 'control') item.cb?.();
    for (const key of this.fair.keys()) if (key.startsWith('raw ')) for (const item of this.fair.remove(key, () => true)) if (item.kind === 'raw') item.cb?.();
  }

  /** The server told us we flooded (ERROR Excess Flood / RecvQ exceeded): start the next connection slower. */
  onFloodError(): void {
    this.slowDown('the server closed the link for flooding');
  }

  /** A PONG: if it answers one of our barriers, everything before it has been processed. */
  onPong(token: string | undefined): void {
    if (!token) return;
    const i = this.barriers.findIndex((b) => b.token === token);
    if (i < 0) return;
    const b = this.barriers[i]!;
    this.barriers.splice(0, i + 1);
    const rtt = this.clock() - b.sentAt;
    this.lastRtt = rtt;
    if (rtt > this.lagThreshold()) {
      if (!b.late) this.slowDown(`PING round trip ${rtt} ms`);
    } else {
      this.factor = Math.min(1, this.factor + 0.25);
    }
    this.minRtt = Math.min(this.minRtt, rtt);
    this.ack(b.seq);
    this.pump();
  }

  /** Stop: every reply not yet acknowledged is refused (the outbox keeps it for the next process). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    clearTimeout(this.lagTimer);
    this.clearAckTimer();
    const err = new Error('IRC adapter stopped');
    const deliveries = new Set<Delivery>();
    for (const w of this.unacked) if (w.item.kind === 'message' && w.item.delivery) deliveries.add(w.item.delivery);
    for (const item of this.fair.drain()) if (item.kind === 'message' && item.delivery) deliveries.add(item.delivery);
    for (const d of deliveries) d.reject(err);
    this.unacked = [];
    this.control.length = 0;
  }

  stats(): WriterStats {
    return {
      queued: this.control.length + this.fair.size,
      unacked: this.unacked.length,
      burst: this.bucket.capacity,
      perSecond: this.bucket.rate,
      factor: this.factor,
      ...(this.lastRtt !== undefined ? { lastRttMs: this.lastRtt } : {}),
      ...(Number.isFinite(this.minRtt) ? { minRttMs: this.minRtt } : {}),
      slowdowns: this.slowdowns,
      resent: this.resent,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private pump(): void {
    if (!this.registered || !this.open || this.stopped) return;
    this.clearTimer();
    const lim = this.o.limits();
    this.bucket.configure(lim.burst, lim.perSecond * this.factor);
    if (!this.settled) {
      // the first lines after registration: the server's budget minus what registration spent
      this.settled = true;
      this.bucket.reset(lim.burst - this.registrationDebt);
    }
    const socket = this.o.socket();
    let corked = false;
    try {
      for (;;) {
        // A barrier every ackEvery lines while the server's budget is nearly spent (it may be holding lines for
        // us: the window moves on, lag shows); slowed down, more often, to learn sooner that the lag is gone.
        // With budget to spare a reply goes whole and the quiet barrier below covers it.
        const every = this.factor < 1 ? Math.min(4, lim.ackEvery) : lim.ackEvery;
        if (this.sinceBarrier >= every && this.bucket.level() < every) this.queueBarrier();
        const next = this.control[0] ?? this.fair.peek()?.item;
        if (!next) {
          // the queues ran dry: have what went out acknowledged once the writer has been quiet a moment
          if (this.sinceBarrier > 0 && !this.barrierQueued) this.scheduleAck();
          break;
        }
        if (next.kind !== 'barrier' && this.windowFull(lim)) {
          if (this.sinceBarrier > 0 && !this.barrierQueued) {
            this.queueBarrier();
            continue;
          }
          break; // resumed by the PONG
        }
        const cost = next.kind === 'control' ? lineCost(commandOf(next.line)) : 1;
        const wait = this.bucket.waitMs(cost);
        if (wait > 0) {
          this.schedule(wait);
          break;
        }
        const item = this.control.length ? this.control.shift()! : this.fair.shift()!.item;
        this.bucket.charge(cost);
        if (!corked && socket) {
          socket.cork();
          corked = true;
        }
        this.writeItem(item);
      }
    } finally {
      if (corked) socket?.uncork();
    }
  }

  private writeItem(item: Item): void {
    this.lastWriteAt = this.clock();
    if (item.kind === 'barrier') {
      this.barrierQueued = false;
      this.clearAckTimer();
      const token = `dh${this.connection}.${this.seq}`;
      this.o.write(`PING :${token}`);
      const sentAt = this.clock();
      this.barriers.push({ token, seq: this.seq, sentAt, late: false });
      this.sinceBarrier = 0;
      this.watchLag();
      return;
    }
    let line: string;
    let cb: (() => void) | undefined;
    if (item.kind === 'message') {
      const target = item.target.toLowerCase();
      // an answer picked up again after someone else's lines went to the same channel names its asker again
      const resumed = !item.first && item.asker && this.lastKey.get(target) !== item.key && !item.text.startsWith(`${item.asker}: `);
      line = `${item.verb} ${item.target} :${resumed ? `${item.asker}: ${item.text}` : item.text}`;
      this.lastKey.set(target, item.key);
    } else {
      line = item.line;
      cb = item.cb;
    }
    const seq = ++this.seq;
    const bytes = Buffer.byteLength(line, 'utf8') + 2;
    // not connected: the close that follows puts a reply line back in its queue
    this.o.write(line, cb);
    this.unacked.push({ seq, bytes, item });
    this.unackedBytes += bytes;
    // only replies need acknowledging; a JOIN or WHO is covered by the next barrier, or not at all
    if (item.kind !== 'control') this.sinceBarrier++;
  }

  private queueBarrier(): void {
    if (this.barrierQueued) return;
    this.barrierQueued = true;
    this.control.unshift({ kind: 'barrier' });
  }

  private ack(seq: number): void {
    while (this.unacked.length && this.unacked[0]!.seq <= seq) {
      const w = this.unacked.shift()!;
      this.unackedBytes -= w.bytes;
      if (w.item.kind === 'message' && w.item.delivery && --w.item.delivery.remaining === 0) w.item.delivery.resolve();
    }
  }

  private windowFull(lim: SendLimits): boolean {
    return this.unacked.length >= lim.windowLines || this.unackedBytes >= lim.windowBytes;
  }

  private lagThreshold(): number {
    return (Number.isFinite(this.minRtt) ? this.minRtt : 0) + this.o.lagMs;
  }

  /** The oldest barrier still out after the lag threshold: slow down now, not when (if) it comes back. */
  private watchLag(): void {
    if (this.lagTimer) return;
    const b = this.barriers.find((x) => !x.late);
    if (!b) return;
    const due = b.sentAt + this.lagThreshold() - this.clock();
    this.lagTimer = setTimeout(
      () => {
        this.lagTimer = undefined;
        const now = this.clock();
        const late = this.barriers.find((x) => !x.late && now - x.sentAt > this.lagThreshold());
        if (late) {
          late.late = true;
          this.slowDown(`PING unanswered after ${now - late.sentAt} ms`);
        }
        if (this.barriers.some((x) => !x.late)) this.watchLag();
      },
      Math.max(1, due + 1),
    );
    this.lagTimer.unref?.();
  }

  private slowDown(why: string): void {
    const before = this.factor;
    this.factor = Math.max(MIN_FACTOR, this.factor / 2);
    this.bucket.empty();
    this.slowdowns++;
    if (before !== this.factor)
      this.o.log.warn({ why, perSecond: Math.round(this.o.limits().perSecond * this.factor * 100) / 100 }, 'irc server shows lag: sending slower');
  }

  private schedule(ms: number): void {
    const at = this.clock() + ms;
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, ms);
  }

  private scheduleAck(): void {
    if (this.ackTimer) return;
    const due = this.lastWriteAt + (this.o.ackDelayMs ?? ACK_DELAY_MS) - this.clock();
    this.ackTimer = setTimeout(
      () => {
        this.ackTimer = undefined;
        if (this.stopped || this.barrierQueued || this.sinceBarrier === 0) return;
        // lines went out meanwhile: wait for quiet after them
        if (this.clock() - this.lastWriteAt < (this.o.ackDelayMs ?? ACK_DELAY_MS)) return this.scheduleAck();
        this.queueBarrier();
        this.pump();
      },
      Math.max(0, due),
    );
  }

  private clearAckTimer(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
