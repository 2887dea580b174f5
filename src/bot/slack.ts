// Slack through Bolt: slash commands (`/deckhand <service> <verb> …` and one per service) and
// mentions (`@deckhand superset status`) in, answers out in a thread under the acknowledgement.
//
// How a slash command goes:
//   1. ack() at once: HTTP 200 with an empty body (or the Socket Mode envelope ack).
//   2. De-duplicate on the request's identity in Redis (SET NX): a retry never runs twice.
//   3. chat.postMessage "⏳ @alice ran `/superset status` — working on it…" → its ts.
//   4. Hand the text to the gateway with threadId = that ts: every answer lands in its thread, so
//      the request and its result stay together, and the acknowledgement is updated once answered.
//   Where the bot may not post (a private channel it is not in, a DM between people) step 3 fails;
//   then the acknowledgement and the answers go through the command's response_url instead.
// Why chat.postMessage rather than response_url for the acknowledgement: a response_url post returns
// no ts, so nothing could be threaded under it; it also expires after 30 minutes and takes 5 posts,
// too few for a deploy that reports progress.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger, type SlashCommand } from '@slack/bolt';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { SLACK_DEFAULTS, type SlackConfig } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import { isRedisUnreachable, QUEUE_UNREACHABLE } from '../core/redis.js';
import { clip, oneLine } from '../core/sanitize.js';
import type { ActionsSettled, ChatMessage } from '../core/types.js';
import type { Capabilities, ChatAdapter, RenderedMessage } from './adapter.js';
import { Pacer } from './pacer.js';
import { ACTION_PREFIX, escapeMrkdwn, renderMessage, settledBlocks, withActions, type SlackPayload } from './slack/blocks.js';
import { outcomeText, readClick, type ClickPayload } from './slack/click.js';
import { SlackState, type RequestContext } from './slack/state.js';
import { mentionText, parseThreadHandle, slashCommandText, threadHandle } from './slack/text.js';

export interface SlackAdapterOptions {
  config: SlackConfig;
  botToken: string;
  /** HTTP mode: requests are verified with it. */
  signingSecret?: string;
  /** Socket Mode: the app-level token (xapp-…, connections:write). */
  appToken?: string;
  /** Request de-duplication and reply contexts live here (the gateway's connection will do). */
  redis: Redis;
  /** Redis key prefix (the app's, so tests can delete everything after). */
  prefix: string;
  log: Logger;
  // The settings below override config.slack's (whose defaults are SLACK_DEFAULTS in config/schema).
  /** The catch-all slash command (default "deckhand"); every other command is taken as a service name. */
  mainCommand?: string;
  /** Channel-visible posts per channel: a burst, then a steady rate (Slack: about 1 message/s per channel). */
  rate?: { burst: number; perSecond: number };
  /** Web API: retries (429s wait for Retry-After, then retry) and per-request timeout. */
  retries?: number;
  requestTimeoutMs?: number;
  /** Listen address in HTTP mode (default all interfaces). */
  host?: string;
  dedupTtlSeconds?: number;
  contextTtlSeconds?: number;
  /** users.info answers are cached this long (e-mail for identity, name for display). */
  userCacheTtlMs?: number;
}

/** The secrets the config names, from the environment (read by config/load; kept here for callers of the adapter). */
export { slackSecrets } from '../config/load.js';

interface UserInfo {
  name?: string;
  email?: string;
}

/** Web API errors that mean "the bot cannot post there", where the response_url still works. */
const CHANNEL_ERRORS = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'cannot_dm_bot',
  'user_not_in_channel',
  'messages_tab_disabled',
]);

function apiError(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** A Bolt/Web API logger that writes through pino. */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'slack' });
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  return {
    debug: (...m: unknown[]) => child.debug(text(m)),
    info: (...m: unknown[]) => child.info(text(m)),
    warn: (...m: unknown[]) => child.warn(text(m)),
    error: (...m: unknown[]) => child.error(text(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Slack's limit on the difference between a request's timestamp and now, either way. */
const MAX_CLOCK_SKEW_S = 5 * 60;
/** How much of a typed command the acknowledgement repeats. */
const ECHO_CHARS = 200;

/** Slack: commands through the main slash command, ephemeral replies, threads and Block Kit; no topics. */
export const SLACK_CAPABILITIES: Capabilities = {
  command: (c) => `/deckhand ${c}`,
  login: 'log in and try again',
  threads: true,
  ephemeral: true,
  blocks: true,
  topic: false,
  buttons: true,
};

export class SlackAdapter implements ChatAdapter {
  readonly network = 'slack';
  readonly capabilities: Capabilities;
  private app?: App;
  private socketReceiver?: SocketModeReceiver;
  private server?: Server;
  private running = false;
  private botUserId?: string;
  private readonly state: SlackState;
  private readonly pacers = new Map<string, Pacer>();
  /** Per message with buttons that expire: the timer that says so in place (best effort: a restart forgets it; a click after the expiry still says it). */
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private readonly users: LRUCache<string, UserInfo>;
  private readonly mainCommand: string;
  /** Pacing, retries, timeout and listen host: the options, else config.slack, else SLACK_DEFAULTS. */
  private readonly settings: { rate: { burst: number; perSecond: number }; retries: number; requestTimeoutMs: number; host: string | undefined };

  constructor(private readonly o: SlackAdapterOptions) {
    const c = o.config;
    this.settings = {
      rate: o.rate ?? c.rate ?? SLACK_DEFAULTS.rate,
      retries: o.retries ?? c.retries ?? SLACK_DEFAULTS.retries,
      requestTimeoutMs: o.requestTimeoutMs ?? c.requestTimeoutMs ?? SLACK_DEFAULTS.requestTimeoutMs,
      host: o.host ?? c.host,
    };
    this.state = new SlackState(o.redis, o.prefix, {
      dedupTtlSeconds: o.dedupTtlSeconds ?? c.dedupTtlSeconds ?? SLACK_DEFAULTS.dedupTtlSeconds,
      contextTtlSeconds: o.contextTtlSeconds ?? c.contextTtlSeconds ?? SLACK_DEFAULTS.contextTtlSeconds,
    });
    this.mainCommand = (o.mainCommand ?? c.mainCommand ?? SLACK_DEFAULTS.mainCommand).replace(/^\//, '');
    this.capabilities = { ...SLACK_CAPABILITIES, command: (c) => `/${this.mainCommand} ${c}` };
    this.users = new LRUCache<string, UserInfo>({
      max: c.userCacheMax ?? SLACK_DEFAULTS.userCacheMax,
      ttl: o.userCacheTtlMs ?? (c.userCacheTtlSeconds ?? SLACK_DEFAULTS.userCacheTtlSeconds) * 1000,
      fetchMethod: (id) => this.fetchUser(id),
    });
    if (o.config.mode === 'socket' ? !o.appToken : !o.signingSecret) {
      throw new Error(o.config.mode === 'socket' ? 'slack: Socket Mode needs an app-level token' : 'slack: HTTP mode needs the signing secret');
    }
  }

  get connected(): boolean {
    return this.running;
  }

  /** HTTP mode: the port listened on (config port 0 = an ephemeral one, for tests). */
  get port(): number | undefined {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? (addr as AddressInfo).port : undefined;
  }

  /** HTTP mode: where Slack sends slash commands and events. */
  get eventsUrl(): string | undefined {
    return this.port === undefined ? undefined : `http://127.0.0.1:${this.port}/slack/events`;
  }

  async start(onMessage: (msg: ChatMessage) => void): Promise<void> {
    const c = this.o.config;
    const logger = boltLogger(this.o.log);
    const apiUrl = c.apiUrl ? (c.apiUrl.endsWith('/') ? c.apiUrl : `${c.apiUrl}/`) : undefined;
    const clientOptions = {
      ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
      // 429: the client pauses for Retry-After, then retries; other failures back off briefly.
      // (The default policy retries for ~30 minutes, holding the outbox; the outbox retries longer itself.)
      retryConfig: { retries: this.settings.retries, factor: 2, minTimeout: 100, maxTimeout: 10_000, randomize: true },
      timeout: this.settings.requestTimeoutMs,
    };
    if (c.mode === 'socket') {
      this.socketReceiver = new SocketModeReceiver({
        appToken: this.o.appToken!,
        logger,
        // apps.connections.open is called with these options, not the App's clientOptions
        installerOptions: { clientOptions: apiUrl ? { slackApiUrl: apiUrl } : {} },
      });
    }
    // HTTP: ack() answers the request at once (processBeforeResponse: false); the work continues after
    const receiver = this.socketReceiver ?? this.httpReceiver(logger);
    const app = new App({
      token: this.o.botToken,
      receiver,
      logger,
      clientOptions,
      // auth.test runs in init() below, where a failure is an error at start instead of a rejected
      // promise cached forever inside Bolt's authorize()
      deferInitialization: true,
    });
    this.app = app;

    app.command(/^\/[^\s]+$/, async ({ command, ack, context }) => {
      await ack();
      try {
        await this.onSlashCommand(command, context.retryNum, onMessage);
      } catch (err) {
        // Redis or Slack unreachable: say so to the asker rather than leave them waiting
        this.o.log.error({ err, command: command.command }, 'slack: could not take a slash command');
        if (command.response_url) {
          await this.respond(
            command.response_url,
            command.channel_id,
            {
              text: isRedisUnreachable(err)
                ? QUEUE_UNREACHABLE
                : 'Deckhand could not take that command (an internal service is unavailable); try again in a minute.',
            },
            'ephemeral',
          ).catch(() => {});
        }
      }
    });
    app.event('app_mention', async ({ event, body, context }) => {
      // Bolt acked the event before calling us
      const envelope = body as { event_id?: string };
      await this.onMention(
        { user: event.user, text: event.text, ts: event.ts, channel: event.channel, threadTs: event.thread_ts, botId: event.bot_id },
        envelope.event_id,
        context.retryNum,
        onMessage,
      );
    });
    // Button clicks (block_actions, over HTTP as the `payload` form field, in Socket Mode an `interactive` envelope)
    app.action(new RegExp(`^${ACTION_PREFIX}`), async ({ ack, body, action }) => {
      await ack();
      try {
        await this.onClick(body as unknown as ClickPayload, action as { action_id?: string; value?: string; action_ts?: string }, onMessage);
      } catch (err) {
        this.o.log.error({ err }, 'slack: could not take a button click');
      }
    });
    app.error(async (err) => {
      this.o.log.error({ err }, 'slack listener failed');
    });

    await app.init();
    const auth = await app.client.auth.test();
    this.botUserId = auth.user_id;
    if (c.mode === 'socket') {
      await app.start();
    } else {
      this.server = (await app.start(this.settings.host ? { port: c.port, host: this.settings.host } : c.port)) as Server;
    }
    this.running = true;
    this.o.log.info({ mode: c.mode, bot: auth.user, team: auth.team, ...(this.port !== undefined ? { port: this.port } : {}) }, 'slack ready');
  }

  private async onSlashCommand(cmd: SlashCommand, retryNum: number | undefined, onMessage: (msg: ChatMessage) => void): Promise<void> {
    const requestId = `cmd:${cmd.team_id}:${cmd.trigger_id}`;
    if (!(await this.state.firstTime(requestId))) {
      this.o.log.info({ requestId, retryNum }, 'slack: repeated slash command ignored');
      return;
    }
    const channel = cmd.channel_id;
    const typed = oneLine(`${cmd.command} ${cmd.text ?? ''}`).trim();
    const ctx: RequestContext = { user: cmd.user_id, channel, typed };
    if (cmd.response_url) {
      ctx.responseUrl = cmd.response_url;
      ctx.responseUrlUntil = Date.now() + 29 * 60_000;
    }
    const working = `:hourglass_flowing_sand: ${this.askedBy(ctx)} — working on it…`;
    let threadId: string;
    try {
      const res = await this.postMessage(channel, { text: working });
      ctx.ackTs = res.ts!;
      threadId = threadHandle(res.ts);
    } catch (err) {
      // The bot may not post here (private channel it is not in, a DM between people): answer
      // through the response_url, which Slack accepts wherever the command was typed.
      if (!CHANNEL_ERRORS.has(apiError(err) ?? '')) this.o.log.warn({ err, channel }, 'slack: acknowledgement post failed; using response_url');
      threadId = threadHandle(undefined, cmd.trigger_id);
      if (ctx.responseUrl)
        await this.respond(ctx.responseUrl, channel, { text: working }, 'in_channel').catch((e) =>
          this.o.log.warn({ err: e }, 'slack: response_url acknowledgement failed'),
        );
    }
    await this.state.saveContext(channel, threadId, ctx);
    onMessage({
      network: this.network,
      channel,
      isPrivate: false,
      threadId,
      sender: { id: cmd.user_id, nick: cmd.user_name || cmd.user_id, account: cmd.user_id },
      text: slashCommandText(cmd.command, cmd.text, this.mainCommand),
      messageId: requestId,
    });
  }

  private async onMention(
    e: { user?: string; text: string; ts: string; channel: string; threadTs?: string; botId?: string },
    eventId: string | undefined,
    retryNum: number | undefined,
    onMessage: (msg: ChatMessage) => void,
  ): Promise<void> {
    if (!e.user || e.botId) return; // other bots do not give orders
    const requestId = `evt:${eventId ?? `${e.channel}:${e.ts}`}`;
    if (!(await this.state.firstTime(requestId))) {
      this.o.log.info({ requestId, retryNum }, 'slack: repeated event ignored');
      return;
    }
    const text = mentionText(e.text, this.botUserId);
    // Answer under the mention; inside an existing thread, name the mention too (several people may ask there).
    const threadId = e.threadTs ? threadHandle(e.threadTs, e.ts) : threadHandle(e.ts);
    await this.state.saveContext(e.channel, threadId, { user: e.user, channel: e.channel, typed: text });
    const name = await this.users.fetch(e.user).then(
      (u) => u?.name,
      () => undefined,
    );
    onMessage({
      network: this.network,
      channel: e.channel,
      isPrivate: false,
      threadId,
      sender: { id: e.user, nick: name || e.user, account: e.user },
      text,
      messageId: requestId,
    });
  }

  /**
   * A click: the command its button stands for, as if the clicker had typed it, answered in the
   * thread the buttons are in; refusals go to the clicker alone (ChatMessage.clicked).
   */
  private async onClick(
    body: ClickPayload,
    action: { action_id?: string; value?: string; action_ts?: string },
    onMessage: (msg: ChatMessage) => void,
  ): Promise<void> {
    const click = readClick(body, action);
    if (!click) {
      this.o.log.warn({ actionId: action.action_id }, 'slack: a click without a command of ours ignored');
      return;
    }
    if (!(await this.state.firstTime(click.requestId))) return;
    const threadId = threadHandle(click.threadTs, click.requestId);
    const ctx: RequestContext = { user: click.user, channel: click.channel, typed: click.command };
    if (click.responseUrl) {
      ctx.responseUrl = click.responseUrl;
      ctx.responseUrlUntil = Date.now() + 29 * 60_000;
    }
    await this.state.saveContext(click.channel, threadId, ctx);
    onMessage({
      network: this.network,
      channel: click.channel,
      isPrivate: false,
      threadId,
      sender: { id: click.user, nick: click.nick, account: click.user },
      text: click.command,
      messageId: click.requestId,
      clicked: true,
    });
  }

  /** The message whose buttons decided `s.key`, updated in place: buttons gone (unless still open), the outcome under it. */
  private async settle(s: ActionsSettled): Promise<void> {
    const m = await this.state.buttons(s.key);
    if (!m) return; // asked on another network, or posted without buttons
    if (m.final === s.outcome) return; // expired already shown
    if (!s.open) this.clearExpiry(s.key);
    const outcome = outcomeText(s);
    const blocks = settledBlocks(m.blocks, outcome, !!s.open);
    await this.app!.client.chat.update({ channel: m.channel, ts: m.ts, text: `${m.text}\n${outcome}`, blocks });
    await this.state.saveButtons(s.key, { ...m, blocks, ...(s.open ? {} : { final: s.outcome }) });
  }

  /** At the expiry, a message whose buttons decided nothing says so (nothing can be confirmed after it: confirm checks the time). */
  private expireLater(key: string, at: number): void {
    this.clearExpiry(key);
    const delay = Math.max(0, at - Date.now()) + 1000;
    if (delay > 2 ** 31 - 1) return; // beyond what a timer holds: the next click says it
    const t = setTimeout(() => {
      this.expiries.delete(key);
      void (async () => {
        const m = await this.state.buttons(key);
        if (!m || m.final || !(await this.state.firstExpiry(key))) return;
        await this.settle({ key, outcome: 'expired', note: 'nothing was done' });
      })().catch((err: unknown) => this.o.log.warn({ err, key }, 'slack: could not show the expiry of a confirmation'));
    }, delay);
    t.unref();
    this.expiries.set(key, t);
  }

  private clearExpiry(key: string): void {
    clearTimeout(this.expiries.get(key));
    this.expiries.delete(key);
  }

  /** The public acknowledgement echoes what was typed: a line of it at most (the command itself may have been refused as too long). */
  private askedBy(ctx: RequestContext): string {
    return `<@${ctx.user}> ran \`${escapeMrkdwn(clip(oneLine(ctx.typed), ECHO_CHARS)).replace(/`/g, "'")}\``;
  }

  /**
   * Bolt's receiver, with Slack's whole timestamp rule: Bolt refuses requests older than five minutes but
   * takes any from the future, so a request signed with a timestamp ahead (a captured one, replayed later) runs.
   */
  private httpReceiver(logger: BoltLogger): HTTPReceiver {
    const receiver = new HTTPReceiver({ signingSecret: this.o.signingSecret!, endpoints: '/slack/events', logger, processBeforeResponse: false });
    const verified = receiver.requestListener;
    receiver.requestListener = (req, res) => {
      const stamp = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(stamp) && stamp - Date.now() / 1000 > MAX_CLOCK_SKEW_S) {
        this.o.log.warn({ stamp }, 'slack: request refused, its timestamp is in the future');
        res.writeHead(401).end();
        return;
      }
      verified(req, res);
    };
    return receiver;
  }

  async send(msg: RenderedMessage): Promise<void> {
    const app = this.app;
    if (!app) throw new Error('Slack not started');
    if (msg.settled) await this.settle(msg.settled);
    if (msg.settled && !msg.lines.length) return;
    const { threadTs, ref } = parseThreadHandle(msg.threadId);
    const ctx = msg.threadId ? await this.state.context(msg.target, msg.threadId) : undefined;
    // no thread and a response_url: the bot cannot post in that channel
    const viaResponseUrl = !threadTs && ref !== undefined && !!ctx && usable(ctx);
    // buttons only on a message the bot posted itself (it is updated in place once they decided)
    const actions = msg.actions && !msg.private && !viaResponseUrl ? msg.actions : undefined;
    const payloads = actions ? withActions(renderMessage(msg), actions) : renderMessage(msg);
    // a milestone of a running job, before its answer: shown in the acknowledgement, not in the thread
    if (msg.progress && !msg.private && ctx && msg.threadId && (await this.showProgress(ctx, msg.threadId, msg.lines))) return;

    if (msg.private) {
      const user = ctx?.user ?? (/^[UW][A-Z0-9]+$/.test(msg.target) ? msg.target : undefined);
      if (!user) {
        this.o.log.warn({ target: msg.target, threadId: msg.threadId }, 'slack: private reply without a known asker; posting it in the thread');
      } else if (user === msg.target) {
        // addressed to a user id: their DM with the bot is private already
        for (const p of payloads) await this.postMessage(user, p);
        return;
      } else {
        for (const p of payloads) await this.postEphemeral(msg.target, user, p, threadTs, ctx, viaResponseUrl);
        if (ctx && msg.threadId) await this.answered(ctx, msg.threadId, true);
        return;
      }
    }
    for (const p of payloads) {
      if (viaResponseUrl) {
        await this.respond(ctx!.responseUrl!, msg.target, p, 'in_channel');
        continue;
      }
      try {
        const posted = await this.postMessage(msg.target, p, threadTs);
        if (actions && p === payloads[payloads.length - 1] && posted.ts)
          await this.state
            .saveButtons(actions.key, { channel: msg.target, ts: posted.ts, text: p.text, blocks: p.blocks ?? [] })
            .then(() => actions.expiresAt && this.expireLater(actions.key, actions.expiresAt));
      } catch (err) {
        // removed from the channel while the job ran: the response_url still reaches it
        if (!ctx || !usable(ctx) || !CHANNEL_ERRORS.has(apiError(err) ?? '')) throw err;
        await this.respond(ctx.responseUrl!, msg.target, p, 'in_channel');
      }
    }
    if (ctx && msg.threadId) await this.answered(ctx, msg.threadId, false);
  }

  /** "⏳ @alice ran `/superset deploy staging` — applying release staging, …"; false = post it as a reply instead. */
  private async showProgress(ctx: RequestContext, threadId: string, lines: string[]): Promise<boolean> {
    if (!ctx.ackTs) return false;
    try {
      // once answered, the acknowledgement is final: later milestones go into the thread as before
      if (await this.state.isAnswered(ctx.channel, threadId)) return false;
      const text = `:hourglass_flowing_sand: ${this.askedBy(ctx)} — ${escapeMrkdwn(oneLine(lines.join(' ')))}`;
      await this.app!.client.chat.update({ channel: ctx.channel, ts: ctx.ackTs, text });
      return true;
    } catch (err) {
      this.o.log.warn({ err, channel: ctx.channel }, 'slack: could not show progress in the acknowledgement; posting it in the thread');
      return false;
    }
  }

  /** Once the first answer is out, the "working on it" acknowledgement says so (once). */
  private async answered(ctx: RequestContext, threadId: string, privately: boolean): Promise<void> {
    if (!ctx.ackTs) return;
    try {
      if (!(await this.state.firstAnswer(ctx.channel, threadId))) return;
      const text = privately ? `${this.askedBy(ctx)} — answered privately` : `${this.askedBy(ctx)}`;
      await this.app!.client.chat.update({ channel: ctx.channel, ts: ctx.ackTs, text });
    } catch (err) {
      this.o.log.warn({ err, channel: ctx.channel }, 'slack: could not update the acknowledgement');
    }
  }

  private pacer(channel: string): Pacer {
    let p = this.pacers.get(channel);
    if (!p) this.pacers.set(channel, (p = new Pacer(this.settings.rate.burst, this.settings.rate.perSecond)));
    return p;
  }

  private async postMessage(channel: string, p: SlackPayload, threadTs?: string): Promise<{ ts?: string }> {
    await this.pacer(channel).take();
    return this.app!.client.chat.postMessage({
      channel,
      text: p.text,
      ...(p.blocks ? { blocks: p.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
  }

  private async postEphemeral(
    channel: string,
    user: string,
    p: SlackPayload,
    threadTs: string | undefined,
    ctx: RequestContext | undefined,
    viaResponseUrl: boolean,
  ): Promise<void> {
    if (viaResponseUrl) return this.respond(ctx!.responseUrl!, channel, p, 'ephemeral');
    try {
      await this.app!.client.chat.postEphemeral({
        channel,
        user,
        text: p.text,
        ...(p.blocks ? { blocks: p.blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    } catch (err) {
      if (!ctx || !usable(ctx) || !CHANNEL_ERRORS.has(apiError(err) ?? '')) throw err;
      await this.respond(ctx.responseUrl!, channel, p, 'ephemeral');
    }
  }

  /** A post to a slash command's response_url; 429s wait for Retry-After like the Web API client. */
  private async respond(url: string, channel: string, p: SlackPayload, type: 'in_channel' | 'ephemeral'): Promise<void> {
    if (type === 'in_channel') await this.pacer(channel).take();
    const body = JSON.stringify({ response_type: type, replace_original: false, text: p.text, ...(p.blocks ? { blocks: p.blocks } : {}) });
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
      if (res.ok) return void (await res.body?.cancel());
      const text = await res.text().catch(() => '');
      if ((res.status === 429 || res.status >= 500) && attempt < this.settings.retries) {
        const after = Number(res.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, Number.isFinite(after) && after > 0 ? after * 1000 : 200 * 2 ** attempt));
        continue;
      }
      throw new Error(`slack response_url answered ${res.status}: ${text.slice(0, 200)}`);
    }
  }

  /**
   * The e-mail address of a Slack user (users.info → profile.email; needs users:read.email), cached.
   * undefined when the user has none or does not exist; throws when Slack cannot be asked (so the
   * caller does not remember a failure as "no e-mail").
   */
  async emailOf(userId: string): Promise<string | undefined> {
    return (await this.users.fetch(userId))?.email;
  }

  private async fetchUser(id: string): Promise<UserInfo> {
    if (!this.app) throw new Error('Slack not started');
    try {
      const res = await this.app.client.users.info({ user: id });
      const u = res.user;
      return { ...(u?.name ? { name: u.name } : {}), ...(u?.profile?.email ? { email: u.profile.email } : {}) };
    } catch (err) {
      if (apiError(err) === 'user_not_found') return {};
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.expiries.values()) clearTimeout(t);
    this.expiries.clear();
    const app = this.app;
    if (!app) return;
    // Bolt's SocketModeReceiver.stop() resolves before the WebSocket has closed: wait for it (bounded)
    const socket = this.socketReceiver?.client;
    const closed = socket
      ? new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 3000);
          socket.once('disconnected', () => {
            clearTimeout(t);
            resolve();
          });
        })
      : Promise.resolve();
    await app.stop().catch((err: unknown) => this.o.log.warn({ err }, 'slack stop'));
    await closed;
    this.server = undefined;
  }
}

function usable(ctx: RequestContext): boolean {
  return !!ctx.responseUrl && (ctx.responseUrlUntil ?? 0) > Date.now();
}
