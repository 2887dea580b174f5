// Who sent an IRC message: the services account, never the nick (a nick proves nothing: anyone can
// take "alice" the moment she quits).
//
// An account is trusted only
//   1. from the message itself: the IRCv3 `account-tag` (when the server has it, an absent tag means
//      "not logged in"); or
//   2. from state the bot keeps current: the sender shares a channel with the bot AND the server has
//      both `extended-join` (every join says the account) and `account-notify` (every log-in/log-out is
//      told), so the bot sees every change for as long as it shares a channel with them. The account of
//      someone already in a channel when the bot joins comes from WHOX, else from a WHOIS at their first
//      command; either way account-notify keeps it current from then on.
// Otherwise the bot asks the server (WHOIS) when a command arrives. The answer is kept only for someone
// in a shared channel (whose NICK, PART, KICK and QUIT the bot sees), at most `answerTtlMs`, and never
// past their next NICK, QUIT or leaving the last shared channel. Without account-tag and without a
// shared channel, every command asks afresh: the bot would never see that user quit.
//
// A WHOIS answer counts only when it describes the connection that sent the message (same ident and
// host as the message's prefix): the nick may have changed hands between the message and the answer.
// Answers are matched to questions in order, per nick (a server answers WHOIS in the order asked); one
// not answered within `timeoutMs` counts as "no account" (fail closed), and its late answer, if any, is
// still consumed by it so it cannot be taken for the next question's. This module sends every WHOIS the
// client sends: no other code may call client.whois().

import type { Client, JoinEvent, KickEvent, MessageEvent, NickEvent, PartEvent, QuitEvent, AccountEvent, WhoisResponse, WhoResponse } from 'irc-framework';

export interface IdentityCaps {
  accountTag: boolean;
  extendedJoin: boolean;
  accountNotify: boolean;
}

export interface IrcIdentityOptions {
  /** Send `WHOIS <nick>` (the caller paces it); called in the order questions are asked. */
  whois(nick: string): void | Promise<void>;
  /** How long a WHOIS answer about someone in a shared channel may serve further commands (default 5 s). */
  answerTtlMs?: number;
  /** A WHOIS unanswered this long counts as "no account" (default 5 s). */
  timeoutMs?: number;
  now?(): number;
}

/** What the bot knows of someone it shares a channel with. */
interface Member {
  /** Lower-cased (server casemapping) channels shared with the bot. */
  channels: Set<string>;
  /** undefined = unknown, false = not logged in. */
  account?: string | false;
  /** Kept current by extended-join + account-notify (else: a WHOIS answer, good until `askedAt + ttl`). */
  tracked: boolean;
  askedAt: number;
  /** Bumped by every NICK/PART/KICK/log-in change: a WHOIS asked before is not stored after. */
  version: number;
}

interface Question {
  settle(answer: WhoisResponse | undefined): void;
}

/** The sender of a message, as the message's prefix and tags name it. */
export type Sender = Pick<MessageEvent, 'nick' | 'ident' | 'hostname' | 'account'>;

export class IrcIdentity {
  private client?: Client;
  private members = new Map<string, Member>();
  private questions = new Map<string, Question[]>();
  private sending: Promise<void> = Promise.resolve();
  private readonly answerTtlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /** WHOIS questions sent (tests, metrics). */
  whoisSent = 0;

  constructor(private readonly o: IrcIdentityOptions) {
    this.answerTtlMs = o.answerTtlMs ?? 5000;
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.now = o.now ?? Date.now;
  }

  /** Follow what the client hears: joins, parts, quits, nick changes, account changes, WHO/NAMES/WHOIS replies. */
  attach(client: Client): void {
    this.client = client;
    client.on('registered', () => this.reset());
    client.on('socket close', () => this.reset());
    client.on('join', (e: JoinEvent) => this.onJoin(e));
    client.on('part', (e: PartEvent) => this.onLeave(e.nick, e.channel));
    client.on('kick', (e: KickEvent) => this.onLeave(e.kicked, e.channel));
    client.on('quit', (e: QuitEvent) => this.forget(e.nick));
    client.on('nick', (e: NickEvent) => this.onNick(e));
    client.on('account', (e: AccountEvent) => this.onAccount(e));
    client.on('userlist', (e: { channel: string; users: { nick: string }[] }) => this.onMembers(e.channel, e.users));
    client.on('wholist', (e: WhoResponse) => this.onMembers(e.target, e.users));
    client.on('whois', (e: WhoisResponse) => this.onWhois(e));
  }

  /**
   * The sender's services account, or undefined when not logged in (or when the server cannot tell in
   * time). What is already known is read at once, in the order the server's lines arrived; only a
   * question to the server waits.
   */
  async accountOf(sender: Sender): Promise<string | undefined> {
    const known = this.knownAccount(sender);
    if (known) return known.account;
    const key = this.fold(sender.nick);
    const m = this.members.get(key);
    const version = m?.version;
    const answer = await this.ask(sender.nick);
    if (!answer || answer.error || !sameConnection(answer, sender)) return undefined;
    const account = answer.account || false;
    // Kept only for someone still in a shared channel, with nothing changed meanwhile.
    if (m && this.members.get(key) === m && m.version === version) {
      m.account = account;
      m.tracked = tracking(this.caps());
      m.askedAt = this.now();
    }
    return account || undefined;
  }

  /** What can be told without asking the server (the message's tag, state kept current); undefined: it takes a WHOIS. */
  knownAccount(sender: Sender): { account: string | undefined } | undefined {
    const caps = this.caps();
    if (caps.accountTag) return { account: sender.account || undefined };
    const m = this.members.get(this.fold(sender.nick));
    if (m && m.account !== undefined && (m.tracked ? tracking(caps) : this.now() - m.askedAt < this.answerTtlMs)) return { account: m.account || undefined };
    return undefined;
  }

  /** Nicks the bot shares a channel with (tests). */
  get known(): number {
    return this.members.size;
  }

  private caps(): IdentityCaps {
    const cap = this.client?.network.cap;
    return {
      accountTag: !!cap?.isEnabled('account-tag'),
      extendedJoin: !!cap?.isEnabled('extended-join'),
      accountNotify: !!cap?.isEnabled('account-notify'),
    };
  }

  private fold(name: string): string {
    return this.client ? this.client.caseLower(name) : name.toLowerCase();
  }

  private isSelf(nick: string): boolean {
    return !!this.client && this.client.caseCompare(nick, this.client.user.nick);
  }

  private reset(): void {
    this.members = new Map();
    const open = this.questions;
    this.questions = new Map();
    for (const q of open.values()) for (const x of q) x.settle(undefined);
  }

  private member(nick: string, channel: string): Member {
    const key = this.fold(nick);
    let m = this.members.get(key);
    if (!m) this.members.set(key, (m = { channels: new Set(), tracked: false, askedAt: 0, version: 0 }));
    m.channels.add(this.fold(channel));
    return m;
  }

  private onJoin(e: JoinEvent): void {
    if (this.isSelf(e.nick)) return; // who is in it comes with NAMES (and WHOX, which irc.ts asks for)
    const m = this.member(e.nick, e.channel);
    // extended-join: the account (or false) at the moment of joining
    if (e.account !== undefined && tracking(this.caps())) this.set(m, e.account);
  }

  private onMembers(channel: string, users: { nick: string; account?: string }[]): void {
    if (!/^[#&!+]/.test(channel)) return;
    const trackable = tracking(this.caps());
    for (const u of users) {
      if (this.isSelf(u.nick)) continue;
      const m = this.member(u.nick, channel);
      // WHOX: '' = not logged in; plain WHO and NAMES say nothing about accounts
      if (u.account !== undefined && trackable && !m.tracked) this.set(m, u.account && u.account !== '0' ? u.account : false);
    }
  }

  private onLeave(nick: string, channel: string): void {
    const chan = this.fold(channel);
    if (this.isSelf(nick)) {
      for (const [key, m] of this.members) {
        m.channels.delete(chan);
        m.version++;
        if (!m.channels.size) this.members.delete(key);
      }
      return;
    }
    const key = this.fold(nick);
    const m = this.members.get(key);
    if (!m) return;
    m.channels.delete(chan);
    m.version++;
    if (!m.channels.size) this.members.delete(key);
  }

  private forget(nick: string): void {
    const key = this.fold(nick);
    const m = this.members.get(key);
    if (m) m.version++;
    this.members.delete(key);
  }

  private onNick(e: NickEvent): void {
    if (this.isSelf(e.nick) || this.isSelf(e.new_nick)) return;
    const key = this.fold(e.nick);
    const m = this.members.get(key);
    if (!m) return;
    this.members.delete(key);
    m.version++;
    // the same connection: an account kept current stays; a WHOIS answer was about the old nick
    if (!m.tracked) m.account = undefined;
    this.members.set(this.fold(e.new_nick), m);
  }

  private onAccount(e: AccountEvent): void {
    const m = this.members.get(this.fold(e.nick));
    if (!m) return; // our own 900/901, or someone we share no channel with
    m.version++;
    if (tracking(this.caps())) this.set(m, e.account);
    else m.account = undefined; // no extended-join: never trust what we were told, ask again
  }

  private set(m: Member, account: string | false): void {
    m.account = account || false;
    m.tracked = true;
    m.askedAt = this.now();
  }

  private ask(nick: string): Promise<WhoisResponse | undefined> {
    const key = this.fold(nick);
    return new Promise((resolve) => {
      let done = false;
      const timer = setTimeout(() => q.settle(undefined), this.timeoutMs);
      const q: Question = {
        settle: (answer) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(answer);
        },
      };
      const queue = this.questions.get(key) ?? [];
      queue.push(q);
      this.questions.set(key, queue);
      this.whoisSent++;
      // in the order asked, even when the caller's pacing makes a WHOIS wait
      this.sending = this.sending
        .then(() => this.o.whois(nick))
        .catch(() => {
          // never written: no answer will come for it
          const i = queue.indexOf(q);
          if (i >= 0) queue.splice(i, 1);
          q.settle(undefined);
        });
    });
  }

  private onWhois(e: WhoisResponse): void {
    const key = this.fold(e.nick);
    const queue = this.questions.get(key);
    const q = queue?.shift();
    if (queue && !queue.length) this.questions.delete(key);
    q?.settle(e);
  }
}

/** The state the bot keeps is current only with both caps. */
function tracking(c: IdentityCaps): boolean {
  return c.extendedJoin && c.accountNotify;
}

function sameConnection(answer: WhoisResponse, sender: Sender): boolean {
  const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
  return same(answer.ident, sender.ident) && same(answer.hostname, sender.hostname);
}
