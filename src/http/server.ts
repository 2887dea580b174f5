// One small HTTP server: /metrics (Prometheus), /healthz, /readyz, and the job log pages behind signed links.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { ChatAdapter } from '../bot/adapter.js';
import type { Logger } from '../core/log.js';
import { humanDuration } from '../core/time.js';
import { changedText, stamp, what } from '../history/format.js';
import type { LinkSigner } from '../history/links.js';
import { who, type HistoryStore, type JobRecord } from '../history/store.js';
import type { Metrics } from '../metrics.js';
import { ANSI_CSS, ansiToHtml, escapeHtml, stripAnsi } from '../core/ansi.js';

// Not `import { createServer } from 'node:http'`: in Node 24 an ES import of node:http builds its whole
// namespace, which evaluates its lazy WebSocket exports and so loads undici and http2: ~11 MB of memory
// alone, ~3 MB in a gateway (measured here), which only serves /metrics and /healthz. require() does not.
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export interface HttpServerOptions {
  port: number;
  host?: string;
  redis: Redis;
  history?: HistoryStore;
  links?: LinkSigner;
  metrics?: Metrics;
  /** Chat adapters that must be connected for /readyz (none in a worker-only process). */
  adapters?: () => ChatAdapter[];
  log?: Logger;
}

export interface HttpServer {
  server: Server;
  /** http://host:port of the listening socket. */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer', // the signed link must not leak to other sites
  'x-frame-options': 'DENY',
};

export async function startHttpServer(o: HttpServerOptions): Promise<HttpServer> {
  const server = createServer((req, res) => {
    handle(o, req, res).catch((err: unknown) => {
      o.log?.error({ err, url: req.url?.slice(0, 200) }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    url: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(o: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
  if (path === '/readyz') return ready(o, res);
  if (path === '/metrics' && o.metrics) return send(res, 200, o.metrics.registry.contentType, await o.metrics.text());
  const m = /^\/jobs\/(\d{1,12})$/.exec(path);
  if (m && o.history && o.links) return jobPage(o as HttpServerOptions & { history: HistoryStore; links: LinkSigner }, Number(m[1]), url, res);
  return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

async function ready(o: HttpServerOptions, res: ServerResponse): Promise<void> {
  const checks: Record<string, string> = {};
  try {
    const pong = await Promise.race([o.redis.ping(), new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000).unref())]);
    checks.redis = pong === 'PONG' ? 'ok' : `unexpected ${pong}`;
  } catch (e) {
    checks.redis = `unreachable: ${(e as Error).message}`;
  }
  for (const a of o.adapters?.() ?? []) checks[a.network] = a.connected === false ? 'not connected' : 'ok';
  const ok = Object.values(checks).every((v) => v === 'ok');
  send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ ready: ok, checks }) + '\n');
}

const PAGE_CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.status{display:inline-block;padding:.1rem .55rem;border-radius:.8rem;font-size:.9rem;color:#fff;background:#777;vertical-align:middle}
.status.succeeded{background:#1f8a3b}.status.failed,.status.interrupted{background:#c0262d}.status.denied,.status.cancelled{background:#a15c00}.status.running,.status.queued{background:#2e5cb8}
.summary{margin:.3rem 0 1rem;font-size:1.05rem}
table.facts{border-collapse:collapse}table.facts th{text-align:left;font-weight:600;padding:.15rem 1.2rem .15rem 0;vertical-align:top;color:#555}table.facts td{padding:.15rem 0}
pre#log{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.8rem;overflow-x:auto;font:13px/1.4 ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
footer{margin-top:1.5rem;color:#777;font-size:.85rem}
${ANSI_CSS}`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${PAGE_CSS}</style></head><body>${body}</body></html>\n`;
}

const HTML = 'text/html; charset=utf-8';
// No scripts at all; inline styles only.
const CSP = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

async function jobPage(o: HttpServerOptions & { history: HistoryStore; links: LinkSigner }, id: number, url: URL, res: ServerResponse): Promise<void> {
  const check = o.links.verify(id, url.searchParams.get('exp'), url.searchParams.get('sig'));
  if (!check.ok) {
    const why = check.reason === 'expired' ? 'This link has expired.' : 'This link is not valid.';
    return send(res, 403, HTML, page('Forbidden', `<h1>Forbidden</h1><p>${why} Ask the bot for a fresh one: <code>!job ${id} log</code></p>`), CSP);
  }
  const r = await o.history.get(id);
  if (!r) return send(res, 404, HTML, page(`Job #${id}`, `<h1>Job #${id}</h1><p>No such job (it may have been trimmed from the history).</p>`), CSP);
  const log = await o.history.log(id);
  const exp = Number(url.searchParams.get('exp')) * 1000;
  send(res, 200, HTML, renderJob(r, log, exp), CSP);
}

function renderJob(r: JobRecord, log: string[] | undefined, linkExpiresAt?: number, now = Date.now()): string {
  const title = `#${r.id} ${what(r)}`;
  const row = (k: string, v: string | undefined) => (v ? `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(stripAnsi(v))}</td></tr>` : '');
  const req = r.requester;
  const identity = [`${req.network} ${req.nick}`, req.account && `account ${req.account}`, req.user && `directory user ${req.user}`].filter(Boolean).join(', ');
  const facts = [
    row('status', r.status),
    row('requested by', `${who(r)} (${identity})`),
    row('where', `${req.network} ${r.channel}${r.threadId ? ` (thread ${r.threadId})` : ''}`),
    row('command', [r.verb, r.service, r.environment, ...r.args].filter(Boolean).join(' ')),
    row('queued', stamp(r.queuedAt)),
    row('started', r.startedAt ? `${stamp(r.startedAt)} (waited ${humanDuration(r.startedAt - r.queuedAt)})` : undefined),
    row('finished', r.finishedAt ? stamp(r.finishedAt) : undefined),
    row(
      'duration',
      r.durationMs !== undefined
        ? humanDuration(r.durationMs)
        : r.status === 'running' && r.startedAt
          ? `running for ${humanDuration(now - r.startedAt)}`
          : undefined,
    ),
    row('what changed', changedText(r) ?? (r.status === 'succeeded' && r.kind === 'deploy' ? 'nothing recorded' : undefined)),
    row('reason', r.reason && r.reason !== r.summary ? r.reason : undefined),
    row('worker', r.host),
    row('request id', r.requestId),
  ].join('');
  const logHtml = log
    ? `<h2>Log <small>(${log.length} line${log.length === 1 ? '' : 's'}${r.logDropped ? `, ${r.logDropped} earlier lines not kept` : ''})</small></h2><pre id="log">${log.map(ansiToHtml).join('\n')}</pre>`
    : `<h2>Log</h2><p id="log">${r.status === 'running' || r.status === 'queued' ? 'The job has not finished; its log is kept when it ends.' : 'No log was kept for this job.'}</p>`;
  const body = [
    `<header><h1>${escapeHtml(title)} <span class="status ${r.status}">${escapeHtml(r.status)}</span></h1>`,
    r.summary ? `<p class="summary">${escapeHtml(stripAnsi(r.summary))}</p>` : '',
    `</header><table class="facts">${facts}</table>`,
    logHtml,
    `<footer>Deckhand job history${linkExpiresAt ? ` · this link expires ${escapeHtml(stamp(linkExpiresAt))}` : ''}</footer>`,
  ].join('');
  return page(`${title} · ${r.status}`, body);
}
