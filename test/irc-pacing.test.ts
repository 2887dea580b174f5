// The pieces of IRC pacing on their own: bucket, fair queues, limits per server, the paced writer
// against a recording connection (fake clock), CTCP answers, the per-user command limit.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { pino } from 'pino';
import { FairQueue } from '../src/bot/fair-queue.js';
import { CtcpResponder, CTCP_DEFAULTS } from '../src/bot/irc-ctcp.js';
import { commandOf, lineCost, PROFILES, profileFor, reconnectDelay, sendLimits, type SendLimits } from '../src/bot/irc-limits.js';
import { ACK_DELAY_MS, PacedWriter } from '../src/bot/irc-writer.js';
import { TokenBucket } from '../src/bot/pacer.js';
import { checkRateLimit, CommandRateLimit } from '../src/bot/rate-limit.js';

const log = pino({ level: 'silent' });
/** A send whose end the test does not wait for (stop() refuses it at the end). */
const bg = (p: Promise<void>): void => void p.catch(() => {});

describe('TokenBucket', () => {
  it('bursts, refills at the rate, and carries a debt', () => {
    let t = 0;
    const b = new TokenBucket(3, 2, () => t);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(b.waitMs()).toBe(500);
    t = 500;
    expect(b.tryTake()).toBe(true);
    b.charge(2); // a PONG and a registration line that had to go
    expect(b.level()).toBeCloseTo(-2);
    expect(b.waitMs()).toBe(1500);
    t = 10_000;
    expect(b.level()).toBe(3); // never above the burst
    expect(b.waitMs(5)).toBe(0); // a cost above the bucket waits for a full one, then leaves a debt
  });
});

describe('FairQueue', () => {
  it('serves someone who asked once before the rest of a long burst, and keeps short answers whole', () => {
    let t = 0;
    const q = new FairQueue<string>({ now: () => t });
    for (let i = 0; i < 12; i++) q.push('alice', `a${i}`);
    const out: string[] = [];
    for (let i = 0; i < 4; i++) out.push(q.shift()!.item);
    q.push('bob', 'b0');
    q.push('bob', 'b1');
    q.push('bob', 'b2');
    while (q.size) out.push(q.shift()!.item);
    expect(out.slice(0, 7)).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2']);
    expect(out.filter((x) => x.startsWith('a'))).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`));
  });

  it('gives every new asker a first line early, then takes turns in short runs', () => {
    const q = new FairQueue<string>({ now: () => 0 });
    for (const u of ['u1', 'u2', 'u3']) for (let i = 0; i < 6; i++) q.push(u, `${u}.${i}`);
    const order = Array.from({ length: 18 }, () => q.shift()!.item);
    expect(order.slice(0, 3)).toEqual(['u1.0', 'u2.0', 'u3.0']);
    const who = order.map((x) => x.split('.')[0]);
    const runs = who.filter((u, i) => i === 0 || u !== who[i - 1]).length;
    expect(runs).toBeLessThan(12); // not strictly line by line
    for (const u of ['u1', 'u2', 'u3']) expect(order.filter((x) => x.startsWith(u))).toEqual(Array.from({ length: 6 }, (_, i) => `${u}.${i}`));
  });

  it('puts lines to send again at the head of their queue', () => {
    const q = new FairQueue<string>();
    q.push('a', 'x3');
    q.unshift('a', ['x1', 'x2']);
    expect([q.shift()!.item, q.shift()!.item, q.shift()!.item]).toEqual(['x1', 'x2', 'x3']);
  });
});

describe('limits per server', () => {
  it('knows InspIRCd and Solanum by their version, and takes the stricter for anything else', () => {
    expect(profileFor('auto', 'InspIRCd-3')).toBe('inspircd');
    expect(profileFor('auto', 'solanum-1.0-dev')).toBe('solanum');
    expect(profileFor('auto', 'UnrealIRCd-6.1.0')).toBe('safe');
    expect(profileFor('solanum', 'InspIRCd-3')).toBe('solanum');
    expect(sendLimits({ burst: 50, perSecond: 200 }, 'InspIRCd-3')).toMatchObject({ profile: 'inspircd', burst: 50, perSecond: 200 });
  });

  it('stays below the servers’ flood limits even when their 1-s tick lags our clock by a whole second', () => {
    // InspIRCd: lines are processed while the penalty is below threshold 10, which drops by 1 a tick
    expect(PROFILES.inspircd.burst + PROFILES.inspircd.perSecond * 1).toBeLessThan(10);
    expect(PROFILES.inspircd.perSecond).toBeLessThanOrEqual(1);
    // Solanum: 5 lines parsed at once, then 2 a second
    expect(PROFILES.solanum.burst + PROFILES.solanum.perSecond * 1).toBeLessThanOrEqual(5);
    expect(PROFILES.solanum.perSecond).toBeLessThanOrEqual(2);
    for (const p of Object.values(PROFILES)) {
      expect(p.ackEvery * 2).toBeLessThanOrEqual(p.windowLines + 1);
      expect(p.windowBytes).toBeLessThan(10 * 1024);
    }
  });

  it('reads the command of a raw line and its cost', () => {
    expect(commandOf('@label=x :me PRIVMSG #a :hi')).toBe('PRIVMSG');
    expect(commandOf('join #a')).toBe('JOIN');
    expect(lineCost('JOIN')).toBe(2);
    expect(lineCost('PART')).toBe(5);
    expect(lineCost('FOO')).toBe(2);
  });

  it('waits within reconnect.maxMs, every attempt', () => {
    for (let a = 0; a < 40; a++) {
      for (const r of [0, 0.5, 0.999]) {
        const d = reconnectDelay(a, 1000, 30_000, () => r);
        expect(d).toBeLessThanOrEqual(30_000);
        expect(d).toBeGreaterThanOrEqual(a === 0 ? 1000 : 750);
      }
    }
    expect(reconnectDelay(0, 1000, 30_000)).toBe(1000);
  });
});

describe('PacedWriter', () => {
  const limits: SendLimits = { burst: 3, perSecond: 2, windowLines: 8, windowBytes: 4096, ackEvery: 4 };
  let written: { at: number; line: string }[];
  let connected: boolean;
  let w: PacedWriter;
  let lim: SendLimits;

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    written = [];
    connected = true;
    lim = { ...limits };
    w = new PacedWriter({
      write: (line, cb) => {
        if (connected) written.push({ at: Date.now(), line });
        cb?.();
        return connected;
      },
      socket: () => undefined,
      limits: () => lim,
      lagMs: 1000,
      log,
    });
    w.onConnecting();
  });
  afterEach(() => {
    w.stop();
    jest.useRealTimers();
  });

  const lines = () => written.map((x) => x.line);
  const pongAll = () => {
    for (const l of lines()) if (l.startsWith('PING :dh')) w.onPong(l.slice(6));
  };
  const register = () => {
    w.onRegistered();
    jest.advanceTimersByTime(0);
  };

  it('lets registration and PONGs through at once but counts them, then paces the rest', async () => {
    const registration = ['CAP LS 302', 'NICK deckhand', 'USER deckhand 0 * :bot', 'CAP REQ :sasl', 'AUTHENTICATE PLAIN', 'AUTHENTICATE eHg=', 'CAP END'];
    for (const l of registration) w.intercept(l);
    expect(lines()).toEqual(registration);
    register();
    // registration cost 5 (NICK and USER are free on InspIRCd) of a bucket of 3, the PONG 1; JOIN costs 2: 2.5 s
    w.intercept('JOIN #a');
    expect(lines()).toHaveLength(7);
    w.intercept('PONG :irc.test'); // never waits
    expect(lines().at(-1)).toBe('PONG :irc.test');
    jest.advanceTimersByTime(2600);
    expect(lines().at(-1)).toBe('JOIN #a');
    expect(written.at(-1)!.at).toBeGreaterThanOrEqual(2500);
  });

  it('sends a burst, then the steady rate, and resolves a reply once the server acknowledged it', async () => {
    register();
    let done = false;
    const sent = w.send('#a alice', '#a', ['l1', 'l2', 'l3', 'l4', 'l5', 'l6']).then(() => void (done = true));
    expect(lines()).toEqual(['PRIVMSG #a :l1', 'PRIVMSG #a :l2', 'PRIVMSG #a :l3']);
    jest.advanceTimersByTime(499);
    expect(lines()).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(lines()).toHaveLength(4);
    jest.advanceTimersByTime(10_000);
    // a barrier after 4 lines, and one when the queue ran dry
    expect(lines().filter((l) => l.startsWith('PING :dh'))).toHaveLength(2);
    expect(lines().filter((l) => l.startsWith('PRIVMSG'))).toHaveLength(6);
    await Promise.resolve();
    expect(done).toBe(false);
    pongAll();
    await sent;
    expect(done).toBe(true);
  });

  it('sends lines again after a reconnect when the connection closed before they were acknowledged', async () => {
    register();
    const sent = w.send('#a alice', '#a', ['l1', 'l2', 'l3']);
    jest.advanceTimersByTime(2000);
    expect(lines().filter((l) => l.startsWith('PRIVMSG'))).toHaveLength(3);
    connected = false;
    w.onClose();
    written = [];
    connected = true;
    w.onConnecting();
    register();
    jest.advanceTimersByTime(5000);
    expect(lines().filter((l) => l.startsWith('PRIVMSG'))).toEqual(['PRIVMSG #a :l1', 'PRIVMSG #a :l2', 'PRIVMSG #a :l3']);
    pongAll();
    await expect(sent).resolves.toBeUndefined();
    expect(w.stats().resent).toBe(3);
  });

  it('waits for the connection instead of failing, and sends as soon as it is registered', async () => {
    connected = false;
    w.onClose();
    const sent = w.send('nick bob', 'bob', ['hello']);
    jest.advanceTimersByTime(60_000);
    expect(lines()).toEqual([]);
    connected = true;
    w.onConnecting();
    register();
    expect(lines()).toEqual(['PRIVMSG bob :hello']);
    jest.advanceTimersByTime(ACK_DELAY_MS);
    expect(lines()).toEqual(['PRIVMSG bob :hello', 'PING :dh2.1']);
    pongAll();
    await sent;
  });

  it('acknowledges a reply once nothing has gone out for a moment, with one barrier for answers in quick succession', async () => {
    lim = { ...limits, burst: 100, perSecond: 100, ackEvery: 2 };
    register();
    const first = w.send('#a alice', '#a', ['a1', 'a2', 'a3']);
    // budget to spare: the reply goes whole, no barrier among its lines, and none at once after it
    expect(lines()).toEqual(['PRIVMSG #a :a1', 'PRIVMSG #a :a2', 'PRIVMSG #a :a3']);
    jest.advanceTimersByTime(ACK_DELAY_MS - 10);
    const second = w.send('#a bob', '#a', ['b1']);
    jest.advanceTimersByTime(ACK_DELAY_MS - 1);
    expect(lines().filter((l) => l.startsWith('PING'))).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(lines().slice(4)).toEqual(['PING :dh1.4']);
    pongAll();
    await Promise.all([first, second]);
  });

  it('puts other commands (JOIN, WHOIS, TOPIC) before queued replies', () => {
    register();
    bg(w.send('#a alice', '#a', ['l1', 'l2', 'l3', 'l4', 'l5']));
    w.intercept('WHOIS bob');
    jest.advanceTimersByTime(1000);
    expect(lines().slice(3, 4)).toEqual(['WHOIS bob']);
  });

  it('interleaves askers, and names the asker again when an answer resumes after someone else’s lines', () => {
    lim = { ...limits, burst: 1, perSecond: 10, ackEvery: 100, windowLines: 100 };
    register();
    bg(w.send('#a alice', '#a', ['alice: a1', 'a2', 'a3', 'a4', 'a5', 'a6'], 'alice'));
    jest.advanceTimersByTime(150);
    bg(w.send('#a bob', '#a', ['bob: b1'], 'bob'));
    jest.advanceTimersByTime(2000);
    const msgs = lines()
      .filter((l) => l.startsWith('PRIVMSG'))
      .map((l) => l.slice('PRIVMSG #a :'.length));
    const b = msgs.indexOf('bob: b1');
    expect(b).toBeLessThanOrEqual(3);
    expect(msgs[b + 1]).toMatch(/^alice: a\d$/);
    expect(msgs.filter((m) => m.startsWith('alice: '))).toHaveLength(2);
  });

  it('never has more than the window unacknowledged when no PONG comes back', () => {
    lim = { ...limits, burst: 100, perSecond: 100, windowLines: 5, ackEvery: 3 };
    register();
    bg(
      w.send(
        '#a alice',
        '#a',
        Array.from({ length: 30 }, (_, i) => `l${i}`),
      ),
    );
    jest.advanceTimersByTime(10_000);
    expect(lines().filter((l) => l.startsWith('PRIVMSG'))).toHaveLength(5);
    pongAll();
    jest.advanceTimersByTime(1000);
    expect(lines().filter((l) => l.startsWith('PRIVMSG')).length).toBeGreaterThan(5);
  });

  it('slows down when the PING round trip rises, and speeds up again when it falls', () => {
    lim = { ...limits, burst: 2, perSecond: 4, ackEvery: 2, windowLines: 100 };
    register();
    bg(
      w.send(
        '#a alice',
        '#a',
        Array.from({ length: 40 }, (_, i) => `l${i}`),
      ),
    );
    jest.advanceTimersByTime(1500); // no PONG: the barrier is overdue
    expect(w.stats().factor).toBe(0.5);
    expect(w.stats().slowdowns).toBe(1);
    const first = lines().find((l) => l.startsWith('PING :dh'))!;
    w.onPong(first.slice(6)); // a late answer does not count twice
    expect(w.stats().factor).toBe(0.5);
    expect(w.stats().slowdowns).toBe(1);
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(100);
      pongAll();
    }
    expect(w.stats().factor).toBe(1);
  });

  it('refuses what is still queued when it stops', async () => {
    connected = false;
    const sent = w.send('nick bob', 'bob', ['x']);
    w.stop();
    await expect(sent).rejects.toThrow(/stopped/);
  });
});

describe('CTCP answers', () => {
  it('answers VERSION, PING and TIME once per sender per period, within an overall rate and queue', () => {
    let t = 0;
    const c = new CtcpResponder({ ...CTCP_DEFAULTS, perSenderSeconds: 60, perMinute: 6, maxQueued: 2 }, () => t);
    expect(c.answer({ nick: 'a', type: 'VERSION', message: 'VERSION' }, 0)).toBe('VERSION Deckhand ChatOps bot');
    expect(c.answer({ nick: 'a', type: 'VERSION', message: 'VERSION' }, 0)).toBeUndefined();
    expect(c.answer({ nick: 'b', type: 'PING', message: 'PING 123\u0007' }, 0)).toBe('PING 123');
    expect(c.answer({ nick: 'c', type: 'TIME', message: 'TIME' }, 0)).toMatch(/^TIME \w{3}, /);
    expect(c.answer({ nick: 'd', type: 'VERSION', message: 'VERSION' }, 0)).toBeUndefined(); // overall burst of 3 spent
    t = 20_000;
    expect(c.answer({ nick: 'd', type: 'VERSION', message: 'VERSION' }, 2)).toBeUndefined(); // two already waiting
    expect(c.answer({ nick: 'd', type: 'VERSION', message: 'VERSION' }, 0)).toBeDefined();
    expect(c.answer({ nick: 'e', type: 'DCC', message: 'DCC SEND x' }, 0)).toBeUndefined();
    const off = new CtcpResponder({ ...CTCP_DEFAULTS, answer: false });
    expect(off.answer({ nick: 'a', type: 'VERSION', message: 'VERSION' }, 0)).toBeUndefined();
  });
});

describe('command rate limit', () => {
  it('answers the first command over the limit with one line, the rest with nothing, until the minute has passed', () => {
    let t = 0;
    const l = new CommandRateLimit(10, () => t);
    for (let i = 0; i < 10; i++) {
      expect(l.take('irc nick alice')).toBeUndefined();
      t += 4000;
    }
    expect(l.take('irc nick alice')).toEqual({ reply: 'slow down: 10 commands a minute; try again in 20s' });
    expect(l.take('irc nick alice')).toEqual({});
    expect(l.take('irc nick bob')).toBeUndefined();
    t = 60_001;
    expect(l.take('irc nick alice')).toBeUndefined();
  });

  it('counts by account where there is one, per configuration; 0 turns it off', () => {
    const config = { rateLimit: { perMinute: 1 } };
    const alice = { network: 'irc', sender: { id: 'a', nick: 'alice', account: 'alice' } };
    expect(checkRateLimit(config, alice)).toBeUndefined();
    expect(checkRateLimit(config, { ...alice, sender: { ...alice.sender, nick: 'alice_' } })?.reply).toMatch(/^slow down: 1 command a minute/);
    expect(checkRateLimit({ rateLimit: { perMinute: 1 } }, alice)).toBeUndefined(); // another gateway, its own count
    const off = { rateLimit: { perMinute: 0 } };
    for (let i = 0; i < 50; i++) expect(checkRateLimit(off, alice)).toBeUndefined();
  });
});
