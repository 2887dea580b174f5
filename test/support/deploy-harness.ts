/**
 * The bot (gateway + worker on the real Redis, fresh prefix) with a chat adapter the test drives, the
 * stand-in helmfile/helm first on PATH and a real deployment-charts git checkout. Every line the bot
 * sends anywhere (replies, progress, announcements) is captured in `chat.sent`.
 */
import { pino } from 'pino';
import { startApp, type App, type Role } from '../../src/app.js';
import type { DirectoryLookup } from '../../src/auth/access.js';
import type { Capabilities, ChatAdapter, RenderedMessage } from '../../src/bot/adapter.js';
import { IRC_CAPABILITIES } from '../../src/bot/irc.js';
import { PLAIN_CAPABILITIES } from '../../src/bot/render.js';
import { SLACK_CAPABILITIES } from '../../src/bot/slack.js';
import type { Config } from '../../src/config/schema.js';
import type { ChatMessage } from '../../src/core/types.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { Clock } from '../../src/maintenance/clock.js';
import { createChartsRepo, type ChartsRepo } from './charts-repo.js';
import { exampleConfig } from './config.js';
import { installFakeTools, type FakeTools } from './fake-helmfile.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis.js';
import { StaticDirectory } from './static-directory.js';

export const REQUEST_CHANNEL = '#analytics';
export const OPS_CHANNEL = '#wikimedia-operations';
export const SECRET_ENV = 'SUPERSET_DB_PASSWORD';

export interface Sent {
  network: string;
  target: string;
  line: string;
  private: boolean;
  at: number;
}

/** A chat network the test types into; it records everything the bot sends. */
export class CaptureAdapter implements ChatAdapter {
  readonly sent: Sent[] = [];
  private onMessage?: (msg: ChatMessage) => void;
  private waiters: { pred: (s: Sent) => boolean; resolve: (s: Sent) => void }[] = [];
  private seq = 0;
  connected = true;

  readonly capabilities: Capabilities;

  /** Renders like the real adapter of `network` would (`!confirm abc` on IRC). */
  constructor(readonly network = 'irc') {
    this.capabilities = network === 'irc' ? IRC_CAPABILITIES : network === 'slack' ? SLACK_CAPABILITIES : PLAIN_CAPABILITIES;
  }

  async start(onMessage: (msg: ChatMessage) => void): Promise<void> {
    this.onMessage = onMessage;
  }

  async send(msg: RenderedMessage): Promise<void> {
    for (const line of msg.lines) {
      const s: Sent = { network: this.network, target: msg.target, line, private: !!msg.private, at: Date.now() };
      this.sent.push(s);
      this.waiters = this.waiters.filter((w) => (w.pred(s) ? (w.resolve(s), false) : true));
    }
  }

  async stop(): Promise<void> {}

  /** `nick` types `text` in `channel` (logged in as `account`, default the nick; null = not logged in). Like IRC, `!` addresses the bot. */
  say(nick: string, text: string, o: { account?: string | null; channel?: string } = {}): void {
    const account = o.account === undefined ? nick : o.account;
    text = text.replace(/^!/, '');
    this.onMessage!({
      network: this.network,
      channel: o.channel ?? REQUEST_CHANNEL,
      isPrivate: false,
      sender: { id: nick, nick, ...(account ? { account } : {}) },
      text,
      messageId: String(++this.seq),
    });
  }

  /** First line (already sent, or future) matching. */
  waitFor(pred: RegExp | ((s: Sent) => boolean), timeoutMs = 15000, from = 0): Promise<Sent> {
    const p = typeof pred === 'function' ? pred : (s: Sent) => pred.test(s.line);
    const seen = this.sent.slice(from).find(p);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`timed out waiting for ${String(pred)}; sent:\n${this.sent.map((s) => `${s.target} ${s.line}`).join('\n')}`)),
        timeoutMs,
      );
      this.waiters.push({ pred: p, resolve: (s) => (clearTimeout(t), resolve(s)) });
    });
  }

  lines(target?: string): string[] {
    return this.sent.filter((s) => !target || s.target === target).map((s) => s.line);
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export interface Harness {
  app: App;
  config: Config;
  prefix: string;
  chat: CaptureAdapter;
  tools: FakeTools;
  repo: ChartsRepo;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  directory?: DirectoryLookup;
  role?: Role;
  /** Top-level config overrides (deploy settings, rollouts…), merged over the harness's. */
  config?: Partial<Record<keyof Config, unknown>>;
  edit?: (c: Config) => void;
  tools?: FakeTools;
  repo?: ChartsRepo;
  /** A Kubernetes client (e.g. for the fake API); default none. */
  kube?: KubeClient;
  /** Time for the monitor and maintenance (a FakeClock), and whether the monitor runs. */
  clock?: Clock;
  monitor?: boolean;
}

export function harnessConfig(prefix: string, repo: ChartsRepo, o: HarnessOptions = {}): Config {
  const config = exampleConfig({
    redis: { url: REDIS_URL, prefix },
    // set, so announcements go to the IRC outbox; the harness's adapter plays the IRC network
    irc: { host: '127.0.0.1', port: 6667, tls: false, nick: 'deckhand', channels: [REQUEST_CHANNEL, OPS_CHANNEL] },
    deploymentCharts: { checkout: repo.dir },
    deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: [SECRET_ENV], ...((o.config?.deploy as object) ?? {}) },
    ...Object.fromEntries(Object.entries(o.config ?? {}).filter(([k]) => k !== 'deploy')),
  });
  for (const svc of Object.values(config.services)) svc.announce = { irc: [REQUEST_CHANNEL, OPS_CHANNEL], slack: [] };
  o.edit?.(config);
  return config;
}

export async function startDeployHarness(o: HarnessOptions = {}): Promise<Harness> {
  const prefix = freshPrefix('deploy');
  const tools = o.tools ?? (await installFakeTools());
  const repo = o.repo ?? createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  const config = harnessConfig(prefix, repo, o);
  const chat = new CaptureAdapter('irc');
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = await startApp({
    config,
    role: o.role ?? 'all',
    log,
    adapters: [chat],
    kube: o.kube ?? ({} as KubeClient),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.monitor !== undefined ? { monitor: o.monitor } : {}),
    directory: o.directory ?? new StaticDirectory(),
    prefix,
  });
  return {
    app,
    config,
    prefix,
    chat,
    tools,
    repo,
    async stop() {
      await app.stop();
      await dropPrefix(prefix);
      if (!o.tools) tools.cleanup();
      if (!o.repo) repo.cleanup();
    },
  };
}
