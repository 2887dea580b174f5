// A local stand-in for Slack's Web API (https://slack.com/api/<method>) and for slash commands'
// response_url endpoints: it answers the methods Deckhand calls with Slack's shapes, checks the bot
// token, records every call, keeps the messages it was sent (so threads and updates can be read
// back), and can answer 429 with Retry-After or refuse to post in a channel like the real one.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** ms since epoch, when the request arrived. */
  at: number;
  /** HTTP status answered (429 when rate limited). */
  status: number;
  /** Slack's `ok`. */
  ok: boolean;
  error?: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** chat.update calls applied to it. */
  edits: number;
}

export interface ResponseUrlPost {
  id: string;
  body: { response_type?: string; text?: string; blocks?: unknown[]; replace_original?: boolean; [k: string]: unknown };
  at: number;
  status: number;
}

export interface SlackUser {
  id: string;
  name: string;
  real_name?: string;
  email?: string;
}

export interface FakeSlackApiOptions {
  /** The bot token requests must carry (Authorization: Bearer …). */
  token?: string;
  botUserId?: string;
  teamId?: string;
  users?: SlackUser[];
  /** The app-level token apps.connections.open accepts (Socket Mode). */
  appToken?: string;
}

/** What a Socket Mode client sent back over the WebSocket (acknowledgements). */
export interface SocketReply {
  envelope_id: string;
  payload?: Record<string, unknown>;
  at: number;
}

export interface FakeSlackApi {
  /** Base URL for the Web API, ending in `/` (config slack.apiUrl). */
  readonly apiUrl: string;
  readonly botUserId: string;
  readonly teamId: string;
  readonly calls: SlackCall[];
  readonly messages: StoredMessage[];
  readonly responses: ResponseUrlPost[];
  /** Channels where posting fails with `not_in_channel` (a private channel the bot is not in). */
  readonly notInChannel: Set<string>;
  addUser(user: SlackUser): void;
  /** A fresh response_url (Slack's are hooks.slack.com/commands/…). */
  responseUrl(id?: string): string;
  /** Answer the next `times` calls of `method` (or response_url posts with method "response_url") with 429. */
  rateLimit(method: string, opts?: { times?: number; retryAfterSeconds?: number }): void;
  /** Answer the next `times` calls of `method` with an HTTP 5xx (default 500), as Slack does during an incident. */
  serverError(method: string, opts?: { times?: number; status?: number }): void;
  /** Successful calls of a method. */
  ok(method: string): SlackCall[];
  /** Replies in a thread, oldest first. */
  thread(channel: string, threadTs: string): StoredMessage[];
  waitFor(pred: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  waitForResponse(pred: (r: ResponseUrlPost) => boolean, timeoutMs?: number): Promise<ResponseUrlPost>;
  /** Socket Mode: connections open now, and the envelope acks received. */
  readonly socketClients: number;
  readonly socketReplies: SocketReply[];
  /** Socket Mode: send an envelope (slash_commands, events_api, …) to every connected client. */
  socketSend(envelope: Record<string, unknown>): void;
  waitForSocketReply(envelopeId: string, timeoutMs?: number): Promise<SocketReply>;
  /** Forget calls, messages and response posts (users and settings stay). */
  reset(): void;
  close(): Promise<void>;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // the Web API client sends arrays and objects (blocks) as JSON strings inside the form
    out[k] = v.startsWith('[') || v.startsWith('{') ? tryJson(v) : v;
  }
  return out;
}

function tryJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeSlackApi(opts: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const token = opts.token ?? 'xoxb-test-token';
  const botUserId = opts.botUserId ?? 'UDECKHAND';
  const teamId = opts.teamId ?? 'T0TEST';
  const appToken = opts.appToken ?? 'xapp-test-token';
  const sockets = new Set<Socket>();
  const socketReplies: SocketReply[] = [];
  const users = new Map<string, SlackUser>((opts.users ?? []).map((u) => [u.id, u]));
  const calls: SlackCall[] = [];
  const messages: StoredMessage[] = [];
  const responses: ResponseUrlPost[] = [];
  const notInChannel = new Set<string>();
  const limits = new Map<string, { times: number; retryAfter: number }>();
  const outages = new Map<string, { times: number; status: number }>();
  const waiters = new Set<() => void>();
  let seq = 0;
  let responseSeq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const limited = (method: string, res: ServerResponse): number | undefined => {
    const l = limits.get(method);
    if (!l || l.times <= 0) return undefined;
    l.times--;
    res.writeHead(429, { 'retry-after': String(l.retryAfter), 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    return 429;
  };

  const api = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://deckhand-test.slack.com/',
          team: 'Deckhand Test',
          user: 'deckhand',
          team_id: teamId,
          user_id: botUserId,
          bot_id: 'BDECKHAND',
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        const thread = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
        if (thread && !messages.some((m) => m.channel === channel && m.ts === thread)) return { ok: false, error: 'thread_not_found' };
        const ts = nextTs();
        const msg: StoredMessage = {
          channel,
          ts,
          text: String(args.text ?? ''),
          edits: 0,
          ...(thread ? { thread_ts: thread } : {}),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        };
        messages.push(msg);
        return {
          ok: true,
          channel,
          ts,
          message: { type: 'message', user: botUserId, bot_id: 'BDECKHAND', text: msg.text, ts, ...(thread ? { thread_ts: thread } : {}) },
        };
      }
      case 'chat.postEphemeral':
        if (!channel || typeof args.user !== 'string') return { ok: false, error: 'invalid_arguments' };
        if (notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        if (!users.has(args.user)) return { ok: false, error: 'user_not_in_channel' };
        return { ok: true, message_ts: nextTs() };
      case 'chat.update': {
        const m = messages.find((x) => x.channel === channel && x.ts === args.ts);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = String(args.text ?? m.text);
        if (Array.isArray(args.blocks)) m.blocks = args.blocks;
        m.edits++;
        return { ok: true, channel, ts: m.ts, text: m.text };
      }
      case 'users.info': {
        const u = users.get(String(args.user));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: u.id,
            team_id: teamId,
            name: u.name,
            real_name: u.real_name ?? u.name,
            deleted: false,
            is_bot: false,
            profile: { real_name: u.real_name ?? u.name, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
          },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const response = url.pathname.match(/^\/commands\/([^/]+)$/);
      if (req.method === 'POST' && response) {
        const body = tryJson(raw) as ResponseUrlPost['body'];
        const status = limited('response_url', res) ?? 200;
        responses.push({ id: response[1]!, body, at, status });
        if (status === 200) {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        }
        notify();
        return;
      }
      const m = url.pathname.match(/^\/api\/([a-zA-Z.]+)$/);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      const method = m[1]!;
      const args = parseBody(raw, req.headers['content-type']);
      const down = outages.get(method);
      if (down && down.times > 0) {
        down.times--;
        calls.push({ method, args, at, status: down.status, ok: false, error: 'server_error' });
        res.writeHead(down.status, { 'content-type': 'text/html' }).end('<html><body>Internal Server Error</body></html>');
        notify();
        return;
      }
      const rl = limited(method, res);
      if (rl) {
        calls.push({ method, args, at, status: 429, ok: false, error: 'ratelimited' });
        notify();
        return;
      }
      const auth = req.headers.authorization ?? (typeof args.token === 'string' ? `Bearer ${args.token}` : undefined);
      const answer =
        method === 'apps.connections.open'
          ? auth === `Bearer ${appToken}`
            ? { ok: true, url: `${base.replace(/^http/, 'ws')}/link/?ticket=t${++seq}` }
            : { ok: false, error: 'invalid_auth' }
          : auth === `Bearer ${token}`
            ? api(method, args)
            : { ok: false, error: auth ? 'invalid_auth' : 'not_authed' };
      calls.push({ method, args, at, status: 200, ok: answer.ok === true, ...(answer.ok ? {} : { error: String(answer.error) }) });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer));
      notify();
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  // Socket Mode: a minimal WebSocket server (RFC 6455: handshake, text/ping/pong/close frames).
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (!key || !req.url?.startsWith('/link/')) return void socket.destroy();
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.setNoDelay(true);
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const frame = readFrame(buf);
        if (!frame) break;
        buf = buf.subarray(frame.size);
        if (frame.opcode === 0x1) {
          const msg = tryJson(frame.payload.toString('utf8')) as { envelope_id?: string; payload?: Record<string, unknown> };
          if (msg?.envelope_id) socketReplies.push({ envelope_id: msg.envelope_id, ...(msg.payload ? { payload: msg.payload } : {}), at: Date.now() });
          notify();
        } else if (frame.opcode === 0x9) {
          socket.write(wsFrame(0xa, frame.payload));
        } else if (frame.opcode === 0x8) {
          // echo the close, then the server closes the TCP connection (RFC 6455 §7.1.1)
          socket.end(wsFrame(0x8, frame.payload.subarray(0, 2)));
        }
      }
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    socket.write(
      wsFrame(
        0x1,
        Buffer.from(
          JSON.stringify({ type: 'hello', num_connections: sockets.size, connection_info: { app_id: 'A0DECKHAND' }, debug_info: { host: 'fake-slack' } }),
        ),
      ),
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const waitUntil = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    apiUrl: `${base}/api/`,
    botUserId,
    teamId,
    calls,
    messages,
    responses,
    notInChannel,
    addUser: (u) => void users.set(u.id, u),
    responseUrl: (id = `R${++responseSeq}`) => `${base}/commands/${id}`,
    rateLimit(method, o = {}) {
      limits.set(method, { times: o.times ?? 1, retryAfter: o.retryAfterSeconds ?? 1 });
    },
    serverError(method, o = {}) {
      outages.set(method, { times: o.times ?? 1, status: o.status ?? 500 });
    },
    ok: (method) => calls.filter((c) => c.method === method && c.ok),
    thread: (channel, threadTs) => messages.filter((m) => m.channel === channel && m.thread_ts === threadTs),
    waitFor: (pred, timeoutMs = 5000) => waitUntil(() => calls.find(pred), timeoutMs, 'a Web API call'),
    waitForResponse: (pred, timeoutMs = 5000) => waitUntil(() => responses.find(pred), timeoutMs, 'a response_url post'),
    get socketClients() {
      return sockets.size;
    },
    socketReplies,
    socketSend(envelope) {
      const frame = wsFrame(0x1, Buffer.from(JSON.stringify(envelope)));
      for (const s of sockets) s.write(frame);
    },
    waitForSocketReply: (id, timeoutMs = 5000) => waitUntil(() => socketReplies.find((r) => r.envelope_id === id), timeoutMs, `the ack of envelope ${id}`),
    reset() {
      socketReplies.length = 0;
      calls.length = 0;
      messages.length = 0;
      responses.length = 0;
      limits.clear();
      notInChannel.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One server→client frame (never masked). */
function wsFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** One client→server frame (masked), or undefined until it has fully arrived. Fragmented messages are not used by the client. */
function readFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return undefined;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (masked) {
    const mask = buf.subarray(offset, offset + 4);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  }
  return { opcode, payload, size: offset + maskLen + len };
}
