import { pino } from 'pino';
import { startApp, type App, type Role } from '../../src/app.js';
import type { ChatAdapter } from '../../src/bot/adapter.js';
import { IrcAdapter } from '../../src/bot/irc.js';
import type { DirectoryLookup } from '../../src/auth/access.js';
import type { Config } from '../../src/config/schema.js';
import { KubeClient, kubeConfigForUrl } from '../../src/kube/client.js';
import { configContexts } from '../../src/kube/contexts.js';
import { sandboxCluster } from '../../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../src/sandbox/kube-api.js';
import type { AnyVerb } from '../../src/handlers/index.js';
import { exampleConfig } from './config.js';
import type { Ircd } from './ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis.js';

export const CHANNEL = '#analytics';

export interface Stack {
  config: Config;
  api: FakeKubeApi;
  kube: KubeClient;
  app: App;
  prefix: string;
  irc?: IrcAdapter;
  stop(): Promise<void>;
}

export interface StackOptions {
  ircd?: Ircd;
  role?: Role;
  config?: Partial<Record<keyof Config, unknown>>;
  directory?: DirectoryLookup;
  adapters?: ChatAdapter[];
  botNick?: string;
  api?: FakeKubeApi;
  verbs?: readonly AnyVerb[];
}

/**
 * The whole bot as it runs in production, on real parts: the real Redis (fresh prefix), the real
 * ircd when given, the fake Kubernetes API seeded with the sandbox cluster.
 */
export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const prefix = freshPrefix();
  const ownApi = !o.api;
  const api = o.api ?? (await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() }));
  const irc = o.ircd
    ? { host: o.ircd.host, port: o.ircd.port, tls: false, nick: o.botNick ?? 'deckhand', channels: [CHANNEL], rate: { burst: 50, perSecond: 200 } }
    : undefined;
  const config = exampleConfig({ redis: { url: REDIS_URL, prefix }, ...(irc ? { irc } : {}), ...o.config });
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 3000 });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const ircAdapter = config.irc ? new IrcAdapter({ config: config.irc, log }) : undefined;
  const adapters = [...(ircAdapter ? [ircAdapter] : []), ...(o.adapters ?? [])];
  const app = await startApp({
    config,
    role: o.role ?? 'all',
    log,
    adapters,
    kube,
    ...(o.directory ? { directory: o.directory } : {}),
    ...(o.verbs ? { verbs: o.verbs } : {}),
    prefix,
  });
  return {
    config,
    api,
    kube,
    app,
    prefix,
    ...(ircAdapter ? { irc: ircAdapter } : {}),
    async stop() {
      await app.stop();
      if (ownApi) await api.close();
      await dropPrefix(prefix);
    },
  };
}
