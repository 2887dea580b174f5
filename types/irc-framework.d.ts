/**
 * Types for irc-framework 4.14 (the package ships none). Covers the parts Deckhand uses; checked against
 * node_modules/irc-framework/src (client.js, connection.js, networkinfo.js, commands/handlers/*.js).
 *
 * The package is CommonJS (`module.exports.Client = …`). Under Node 24 ESM (and jest's ESM vm modules) BOTH
 * shapes work and give the same class (verified: `IRC.Client === Client`):
 *     import IRC from 'irc-framework';   new IRC.Client(opts)
 *     import { Client } from 'irc-framework';   new Client(opts)
 * The default-import shape is the one to prefer (it does not depend on cjs-module-lexer detecting names).
 */
declare module 'irc-framework' {
  /** Message tags as parsed by irc-framework: tag name → value ('' for a tag without a value). */
  export type Tags = Record<string, string>;

  export interface ClientOptions {
    nick?: string;
    username?: string;
    gecos?: string;
    host?: string;
    port?: number;
    /** Server password (also used for SASL PLAIN as nick+password when no `account` is given). */
    password?: string;
    tls?: boolean;
    /** Alias of tls. */
    ssl?: boolean;
    rejectUnauthorized?: boolean;
    client_certificate?: { private_key: string; certificate: string };
    outgoing_addr?: string;
    /** SASL PLAIN credentials. An `account` object without `account` disables the nick+password fallback. */
    account?: { account?: string; password?: string };
    sasl_mechanism?: string;
    sasl_disconnect_on_fail?: boolean;
    auto_reconnect?: boolean;
    auto_reconnect_max_wait?: number;
    auto_reconnect_max_retries?: number;
    /** Seconds; <= 0 disables. */
    ping_interval?: number;
    /** Seconds; <= 0 disables. */
    ping_timeout?: number;
    /** Bytes per PRIVMSG/NOTICE block before say()/notice() split it (default 350). */
    message_max_length?: number;
    enable_echomessage?: boolean;
    enable_chghost?: boolean;
    enable_setname?: boolean;
    encoding?: string;
    /** CTCP VERSION reply; null/empty disables the automatic reply. */
    version?: string | null;
    webirc?: { password: string; username: string; hostname: string; address: string; options?: Record<string, string> };
    socks?: { host: string; port: number; user?: string; pass?: string };
    path?: string;
    transport?: unknown;
    websocket_protocol?: string;
    [option: string]: unknown;
  }

  interface BaseEvent {
    tags?: Tags;
    /** server-time in ms since the epoch (undefined without the tag). */
    time?: number;
  }

  export interface RegisteredEvent {
    nick: string;
    tags?: Tags;
  }

  export interface MessageEvent extends BaseEvent {
    /** 'privmsg' | 'notice' | 'action' — set only on the aggregate 'message' event. */
    type?: 'privmsg' | 'notice' | 'action';
    from_server: boolean;
    nick: string;
    ident: string;
    hostname: string;
    /** Channel name or our own nick. */
    target: string;
    /** STATUSMSG prefix such as '@' when the target was '@#chan'. */
    group?: string;
    message: string;
    tags: Tags;
    /** Sender's services account from the account-tag; undefined when not logged in. */
    account?: string;
    batch?: unknown;
    reply(text: string): void;
  }

  export interface CtcpEvent extends BaseEvent {
    nick: string;
    ident: string;
    hostname: string;
    target: string;
    type: string | null;
    message: string;
    account?: string;
  }

  export interface JoinEvent extends BaseEvent {
    nick: string;
    ident: string;
    hostname: string;
    channel: string;
    /** With extended-join: the account, or false when not logged in. Undefined without the cap. */
    account?: string | false;
    gecos: string;
    batch?: unknown;
  }

  export interface PartEvent extends BaseEvent {
    nick: string;
    ident: string;
    hostname: string;
    channel: string;
    message: string;
  }

  export interface KickEvent extends BaseEvent {
    /** Nick that was kicked. */
    kicked: string;
    /** Nick that kicked. */
    nick: string;
    ident: string;
    hostname: string;
    channel: string;
    message: string;
  }

  export interface QuitEvent extends BaseEvent {
    nick: string;
    ident: string;
    hostname: string;
    message: string;
  }

  export interface NickEvent extends BaseEvent {
    nick: string;
    ident: string;
    hostname: string;
    new_nick: string;
  }

  /** account-notify ACCOUNT, or our own 900/901 (RPL_LOGGEDIN / RPL_LOGGEDOUT). */
  export interface AccountEvent extends BaseEvent {
    nick: string;
    ident?: string;
    hostname?: string;
    account: string | false;
  }

  export interface SaslFailedEvent extends BaseEvent {
    reason: 'fail' | 'nick_locked' | 'too_long' | 'unsupported_mechanism' | 'capability_missing' | string;
    message?: string;
    nick?: string;
  }

  /** Generic numeric errors (ERR_NOSUCHNICK → error 'no_such_nick', ERROR → error 'irc', …). */
  export interface IrcErrorEvent {
    error: string;
    reason?: string;
    nick?: string;
    channel?: string;
    [key: string]: unknown;
  }

  /** 332 (RPL_TOPIC) and 331 (no topic: '') on join or query, and TOPIC changes (with the setter's nick). */
  export interface TopicEvent extends BaseEvent {
    channel: string;
    topic: string;
    nick?: string;
  }

  export interface ReconnectingEvent {
    attempt: number;
    max_retries: number;
    wait: number;
  }

  export interface RawEvent {
    line: string;
    from_server: boolean;
  }

  export interface WhoisResponse {
    nick: string;
    error?: 'not_found' | string;
    ident?: string;
    hostname?: string;
    real_name?: string;
    server?: string;
    server_info?: string;
    channels?: string;
    idle?: string;
    logon?: string;
    away?: string;
    /** RPL_WHOISACCOUNT (330). */
    account?: string;
    registered_nick?: string;
    secure?: boolean;
    operator?: string;
    [key: string]: unknown;
  }

  export interface WhoUser {
    nick: string;
    ident: string;
    hostname: string;
    server: string;
    real_name: string;
    /** WHOX only: '' when not logged in. */
    account?: string;
    channel: string;
    away?: boolean;
    num_hops_away?: number;
    [key: string]: unknown;
  }

  export interface WhoResponse {
    target: string;
    users: WhoUser[];
  }

  export interface NetworkCap {
    negotiating: boolean;
    requested: string[];
    enabled: string[];
    available: Map<string, string>;
    isEnabled(cap: string): boolean;
  }

  export interface NetworkInfo {
    name: string;
    server: string;
    ircd: string;
    /** ISUPPORT tokens (upper-case keys), e.g. CASEMAPPING, CHANTYPES, NETWORK. */
    options: Record<string, unknown>;
    cap: NetworkCap;
    time_offset: number;
    supports(token: string): unknown;
    timeToLocal(serverTimeMs: number): number;
    timeToServer(localTimeMs: number): number;
  }

  export interface IrcUser {
    nick: string;
    username: string;
    gecos: string;
    host: string;
    away: boolean;
    modes: Set<string>;
  }

  export interface EventMap {
    registered: RegisteredEvent;
    connected: RegisteredEvent;
    privmsg: MessageEvent;
    notice: MessageEvent;
    action: MessageEvent;
    message: MessageEvent;
    'ctcp request': CtcpEvent;
    'ctcp response': CtcpEvent;
    join: JoinEvent;
    part: PartEvent;
    kick: KickEvent;
    quit: QuitEvent;
    nick: NickEvent;
    account: AccountEvent;
    loggedin: AccountEvent;
    loggedout: AccountEvent;
    'sasl failed': SaslFailedEvent;
    'irc error': IrcErrorEvent;
    'nick in use': { nick: string; reason: string; tags?: Tags };
    'nick invalid': { nick: string; reason: string; tags?: Tags };
    whois: WhoisResponse;
    wholist: WhoResponse & { tags?: Tags };
    reconnecting: ReconnectingEvent;
    topic: TopicEvent;
    raw: RawEvent;
    debug: string;
  }

  /** Events emitted with no payload or a non-object payload. */
  export interface ArgEventMap {
    /** Emitted once the connection is finally closed (no more reconnects); arg: closed with an error. */
    close: [hadError: boolean];
    'socket close': [err?: unknown];
    'socket error': [err: Error];
    'socket connected': [];
    connecting: [];
    'ping timeout': [];
  }

  type Listener<A extends unknown[]> = (...args: A) => void;

  export class Client {
    constructor(options?: ClientOptions);
    options: ClientOptions;
    user: IrcUser;
    network: NetworkInfo;
    /** True while the socket is connected (not necessarily registered). */
    readonly connected: boolean;
    /** Internal connection object; `end()` closes the socket at once (after writing `rawLine` if given). */
    connection: { connected: boolean; registered: number | false; end(rawLine?: string | null, hadError?: boolean): void };

    static setDefaultTransport(transport: unknown): void;

    connect(options?: ClientOptions): void;
    quit(message?: string): void;
    requestCap(cap: string | string[]): void;
    use(middleware: (client: Client, rawMiddleware: unknown, parsedMiddleware: unknown) => void): this;

    /** raw('PRIVMSG', '#c', 'text') joins args as an IRC line (last arg prefixed with ':' if needed); raw(['A','b']) too. */
    raw(...args: Array<string | number>): void;
    raw(args: Array<string | number>): void;
    rawString(...args: Array<string | number>): string;

    say(target: string, message: string, tags?: Tags): void;
    notice(target: string, message: string, tags?: Tags): void;
    action(target: string, message: string): string[];
    tagmsg(target: string, tags?: Tags): void;
    sendMessage(command: string, target: string, message: string, tags?: Tags): void;
    ctcpRequest(target: string, type: string, ...params: string[]): void;
    ctcpResponse(target: string, type: string, ...params: string[]): void;

    join(channel: string, key?: string): void;
    part(channel: string, message?: string): void;
    mode(target: string, mode: string, extraArgs?: string | string[]): void;
    setTopic(channel: string, topic: string): void;
    invite(channel: string, nick: string): void;
    changeNick(nick: string): void;
    ping(message?: string): void;

    whois(nick: string, cb?: (event: WhoisResponse) => void): void;
    who(target: string, cb?: (event: WhoResponse) => void): void;

    caseCompare(a: string, b: string): boolean;
    caseLower(s: string): string;
    caseUpper(s: string): string;

    on<E extends keyof EventMap>(event: E, listener: (event: EventMap[E]) => void): this;
    on<E extends keyof ArgEventMap>(event: E, listener: Listener<ArgEventMap[E]>): this;
    on(event: string, listener: (...args: any[]) => void): this;
    once<E extends keyof EventMap>(event: E, listener: (event: EventMap[E]) => void): this;
    once<E extends keyof ArgEventMap>(event: E, listener: Listener<ArgEventMap[E]>): this;
    once(event: string, listener: (...args: any[]) => void): this;
    off<E extends keyof EventMap>(event: E, listener?: (event: EventMap[E]) => void): this;
    off<E extends keyof ArgEventMap>(event: E, listener?: Listener<ArgEventMap[E]>): this;
    off(event: string, listener?: (...args: any[]) => void): this;
    removeListener<E extends keyof EventMap>(event: E, listener?: (event: EventMap[E]) => void): this;
    removeListener<E extends keyof ArgEventMap>(event: E, listener?: Listener<ArgEventMap[E]>): this;
    removeListener(event: string, listener?: (...args: any[]) => void): this;
    removeAllListeners(event?: string): this;
    listenerCount(event: string): number;
    emit(event: string, ...args: unknown[]): boolean;
  }

  export const ircLineParser: (line: string) => unknown;
  export const Message: unknown;
  export const MessageTags: { decode(s: string): Tags; encode(tags: Tags, separator?: string): string };
  export const Helpers: Record<string, unknown>;
  export const Channel: unknown;

  const IRC: {
    Client: typeof Client;
    ircLineParser: typeof ircLineParser;
    Message: typeof Message;
    MessageTags: typeof MessageTags;
    Helpers: typeof Helpers;
    Channel: typeof Channel;
  };
  export default IRC;
}
