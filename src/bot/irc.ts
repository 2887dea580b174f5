import IRC, { type Client, type IrcErrorEvent, type MessageEvent, type TopicEvent } from 'irc-framework';
import type { Redis } from 'ioredis';
import type { IrcConfig } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { ChatMessage, TopicChange } from '../core/types.js';
import type { Socket } from 'node:net';
import type { Capabilities, ChatAdapter, RenderedMessage } from './adapter.js';
import { IrcIdentity } from './irc-identity.js';
import { reconnectDelay } from './irc-limits.js';
import { IrcSendPath } from './irc-send.js';
import type { WriterStats } from './irc-writer.js';
import { suffixedTopic, TopicMemory } from './topic.js';

class RetryLater extends Error {}

/** IRC: commands are typed with `!`; logging in is a services matter; topics yes, threads and buttons no. */
export const IRC_CAPABILITIES: Capabilities = {
  command: (c) => `!${c}`,
  login: 'log in to services first (SASL, or /msg NickServ IDENTIFY <password>) and try again',
  threads: false,
  ephemeral: false,
  blocks: false,
  topic: true,
  buttons: false,
};

export interface IrcAdapterOptions {
  config: IrcConfig;
  /** SASL password (from the environment variable the config names). */
  password?: string;
  log: Logger;
  /** Where topics to put back are kept (maintenance topic suffix); without it, in this process only. */
  redis?: Redis;
  prefix?: string;
}

/**
 * IRC through irc-framework. A nick proves nothing: the sender's services account comes from the
 * IRCv3 account-tag, else from state kept current in a shared channel, else a WHOIS at the time of the
 * command (src/bot/irc-identity.ts has the rules).
 */
export class IrcAdapter implements ChatAdapter {
  readonly network = 'irc';
  readonly capabilities: Capabilities;
  private client?: Client;
  private socket?: Socket;
  /** Every line out: paced, acknowledged, fair between askers (irc-send.ts, irc-writer.ts). */
  private out: IrcSendPath;
  private stopping = false;
  /** Past the server's welcome (001): before it, a PRIVMSG is refused (451) and lost. */
  private registered = false;
  private registeredAt = 0;
  private retry?: NodeJS.Timeout;
  private attempts = 0;
  /** Who sent a message (services account), on networks without account-tag too. */
  private readonly identity = new IrcIdentity({ whois: (nick) => this.sendWhois(nick) });
  /** Lower-cased channel → its topic, as the server last told us (332/331 on join or query, TOPIC). */
  private readonly channelTopics = new Map<string, string>();
  private readonly savedTopics: TopicMemory;

  constructor(private readonly o: IrcAdapterOptions) {
    this.out = new IrcSendPath({ config: o.config, log: o.log, socket: () => this.socket });
    this.savedTopics = new TopicMemory(o.redis, o.prefix);
    this.capabilities = { ...IRC_CAPABILITIES, maxLines: o.config.maxReplyLines };
  }

  /** Registered with the server (what /readyz and the outbox drain need), not merely a TCP connection. */
  get connected(): boolean {
    return !!this.client?.connected && this.registered;
  }

  /** Replies the outbox drain hands over at once: they wait here, queued per asker, for the pacer and the connection. */
  readonly sendConcurrency = 64;

  /** The pacer's state (rate now, lag, lines re-sent after drops). */
  get pacing(): WriterStats {
    return this.out.stats();
  }

  async start(onMessage: (msg: ChatMessage) => void): Promise<void> {
    const c = this.o.config;
    if (this.stopping) {
      // started again after a stop (a gateway elected leader once more): a fresh send path
      this.stopping = false;
      this.out = new IrcSendPath({ config: c, log: this.o.log, socket: () => this.socket });
    }
    const client = new IRC.Client({
      nick: c.nick,
      username: c.username ?? c.nick,
      gecos: c.gecos,
      host: c.host,
      port: c.port,
      tls: c.tls,
      ...(c.sasl && this.o.password ? { account: { account: c.sasl.account, password: this.o.password }, sasl_disconnect_on_fail: true } : {}),
      // we reconnect ourselves (the library adds up to 6 s to its maximum wait)
      auto_reconnect: false,
      // we split and pace lines ourselves; keep the library from splitting again
      message_max_length: 510,
      ...IrcSendPath.clientOptions,
    });
    this.client = client;
    this.out.attach(client);
    const registered = new Promise<void>((resolve, reject) => {
      client.once('registered', () => resolve());
      client.once('close', () => reject(new Error(`could not connect to IRC at ${c.host}:${c.port}`)));
    });

    // InspIRCd and others leave Nagle on; with ours on too, every second line of a reply waits for a
    // delayed ACK (~40 ms). Replies are a few short lines: send each at once.
    client.on('raw socket connected', (socket: Socket) => {
      this.socket = socket;
      socket.setNoDelay?.(true);
    });
    client.on('registered', () => {
      this.registered = true;
      this.registeredAt = Date.now();
      this.channelTopics.clear();
      for (const ch of c.channels) client.join(ch);
      this.o.log.info({ host: c.host, nick: client.user.nick }, 'irc registered');
    });
    client.on('join', (e) => {
      // WHOX tells us the account of everyone already in the channel
      if (client.caseCompare(e.nick, client.user.nick)) {
        client.who(e.channel);
        this.channelTopics.delete(client.caseLower(e.channel));
      }
    });
    client.on('topic', (e) => this.channelTopics.set(client.caseLower(e.channel), e.topic));
    client.on('part', (e) => {
      if (client.caseCompare(e.nick, client.user.nick)) this.channelTopics.delete(client.caseLower(e.channel));
    });
    client.on('kick', (e) => {
      if (client.caseCompare(e.kicked, client.user.nick)) this.channelTopics.delete(client.caseLower(e.channel));
    });
    this.identity.attach(client);
    client.on('sasl failed', (e) => this.o.log.error({ reason: e.reason }, 'irc SASL failed'));
    client.on('reconnecting', (e) => this.o.log.warn({ attempt: e.attempt, waitMs: e.wait }, 'irc reconnecting'));
    // Every close ends here (the library's own reconnect is off): back-off from minMs, never above maxMs;
    // it starts again from minMs only after a connection that stayed up (not one killed at once).
    client.on('close', () => {
      if (this.registered && Date.now() - this.registeredAt > 30_000) this.attempts = 0;
      this.registered = false;
      if (this.stopping) return;
      const wait = reconnectDelay(this.attempts++, c.reconnect.minMs, c.reconnect.maxMs);
      this.o.log.warn({ waitMs: wait }, 'irc connection closed; retrying');
      this.retry = setTimeout(() => client.connect(), wait);
    });
    client.on('privmsg', (e) => void this.onPrivmsg(e, onMessage));

    client.connect();
    await registered;
  }

  private async onPrivmsg(e: MessageEvent, onMessage: (msg: ChatMessage) => void): Promise<void> {
    const client = this.client!;
    if (client.caseCompare(e.nick, client.user.nick)) return;
    const isPrivate = client.caseCompare(e.target, client.user.nick);
    const text = this.addressed(e.message, isPrivate);
    if (text === undefined) return;
    // What is known is read now, in the order the server's lines came; a WHOIS is asked only when the
    // command needs to know who sent it (it costs a line of the flood budget).
    const known = this.identity.knownAccount(e);
    const sender = known
      ? { id: e.nick, nick: e.nick, ...(known.account ? { account: known.account } : {}) }
      : { id: e.nick, nick: e.nick, lookupAccount: () => this.identity.accountOf(e) };
    onMessage({
      network: this.network,
      channel: isPrivate ? e.nick : e.target,
      isPrivate,
      sender,
      text,
      ...(e.tags?.msgid ? { messageId: e.tags.msgid } : {}),
    });
  }

  /** `!cmd` in a channel, `deckhand: cmd`, or anything in a private message; undefined when not for us. */
  private addressed(message: string, isPrivate: boolean): string | undefined {
    if (message.startsWith('!')) return message.slice(1);
    const nick = this.client!.user.nick;
    const m = message.match(/^(\S+?)[:,]\s+(.*)$/s);
    if (m && this.client!.caseCompare(m[1]!, nick)) return m[2];
    return isPrivate ? message : undefined;
  }

  /** WHOIS for the identity rules, paced like every other line (the writer paces every write). */
  private async sendWhois(nick: string): Promise<void> {
    // raw, not client.whois(): that leaves a listener behind for every WHOIS never answered
    this.client?.raw('WHOIS', nick);
  }

  async send(msg: RenderedMessage): Promise<void> {
    // queued per asker; waits for the connection (a drop re-sends what the server had not acknowledged)
    await this.out.send(msg.target, msg.lines);
    if (msg.topic) {
      // the announcement is out; a topic we may not set (no op, +t) is logged, never retried
      await this.changeTopic(msg.target, msg.topic).catch((err: unknown) =>
        this.o.log.warn({ err, channel: msg.target, key: msg.topic?.key }, 'irc topic change failed'),
      );
    }
  }

  /**
   * Set the maintenance suffix after the channel's topic (again from the topic saved for this key, when an
   * extension moves the end), or put the saved topic back: only while the channel shows the topic the bot
   * set, so a topic someone changed meanwhile is left alone.
   */
  private async changeTopic(channel: string, change: TopicChange): Promise<void> {
    const client = this.client!;
    const chan = client.caseLower(channel);
    const current = await this.topicOf(channel);
    if (current === undefined) throw new Error(`topic of ${channel} unknown (not in the channel?)`);
    const saved = await this.savedTopics.get(chan, change.key);
    if ('restore' in change) {
      if (!saved) return;
      await this.savedTopics.drop(chan, change.key);
      if (current !== saved.set) return this.o.log.info({ channel, key: change.key }, 'irc topic changed by someone since: left alone');
      await this.setTopic(channel, saved.before);
      return;
    }
    if (saved && current !== saved.set) return this.o.log.info({ channel, key: change.key }, 'irc topic changed by someone since: left alone');
    const before = saved ? saved.before : current;
    const wanted = suffixedTopic(before, change.append, Number(client.network.supports('TOPICLEN')) || 300);
    if (wanted === current) return;
    const set = await this.setTopic(channel, wanted);
    await this.savedTopics.save(chan, change.key, { before, set });
  }

  /** The channel's topic: as tracked, else asked of the server. */
  private async topicOf(channel: string): Promise<string | undefined> {
    const client = this.client!;
    const known = this.channelTopics.get(client.caseLower(channel));
    if (known !== undefined) return known;
    return this.topicReply(channel, false, () => client.raw('TOPIC', channel)).catch(() => undefined);
  }

  /**
   * Send TOPIC; the topic as the server echoes it, or an error (482: not op on a +t channel). InspIRCd
   * linked to services refuses a second change within the same second (437 "Retry topic change later"):
   * then wait and try again.
   */
  private async setTopic(channel: string, topic: string): Promise<string> {
    const client = this.client!;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.topicReply(channel, true, () => client.setTopic(channel, topic));
      } catch (err) {
        if (!(err instanceof RetryLater) || attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 1100));
      }
    }
  }

  private topicReply(channel: string, ours: boolean, send: () => void): Promise<string> {
    const client = this.client!;
    return new Promise<string>((resolve, reject) => {
      const done = (err: Error | undefined, topic = '') => {
        clearTimeout(timer);
        client.off('topic', onTopic);
        client.off('irc error', onError);
        client.off('unknown command', onNumeric);
        if (err) reject(err);
        else resolve(topic);
      };
      const onTopic = (e: TopicEvent) => {
        if (!client.caseCompare(e.channel, channel)) return;
        if (ours && !(e.nick && client.caseCompare(e.nick, client.user.nick))) return;
        done(undefined, e.topic);
      };
      const onError = (e: IrcErrorEvent) => {
        if (e.channel && client.caseCompare(e.channel, channel)) done(new Error(`${channel}: ${e.error}${e.reason ? ` (${e.reason})` : ''}`));
      };
      // 437 ERR_UNAVAILRESOURCE, which irc-framework passes on as an unknown command
      const onNumeric = (c: { command: string; params: string[] }) => {
        if (c.command === '437' && c.params[1] && client.caseCompare(c.params[1], channel)) done(new RetryLater(`${channel}: ${c.params.at(-1)}`));
      };
      const timer = setTimeout(() => done(new Error(`${channel}: no answer to TOPIC`)), 5000);
      client.on('topic', onTopic);
      client.on('irc error', onError);
      client.on('unknown command', onNumeric);
      send();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    // what is not yet acknowledged stays in the outbox for the next process
    this.out.stop();
    const client = this.client;
    if (!client) return;
    if (!client.connected) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      client.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      client.quit('Deckhand shutting down');
    });
  }
}
