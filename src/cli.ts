#!/usr/bin/env node
import { Command, Option } from 'commander';
import { startApp } from './app.js';
import type { ChatAdapter } from './bot/adapter.js';
import { ConsoleAdapter } from './bot/console.js';
import { IrcAdapter } from './bot/irc.js';
import { ConfigError, loadSettings, slackCredentials, type LoadRole } from './config/load.js';
import { createLogger } from './core/log.js';
import { UserError } from './core/errors.js';
import { addHistoryCommands } from './history/cli.js';
import { checkRedis, createFailFastRedis, createRedis, RedisUnavailableError } from './core/redis.js';
import type { NetworkDirectory } from './directory/lookup.js';
import type { KubeClient } from './kube/client.js';
import type { SandboxSession } from './sandbox/session.js';
import { homedir } from 'node:os';

const DEFAULT_CONFIG = new URL('../../config/example.yaml', import.meta.url).pathname;

/** How long a stop (SIGTERM, SIGINT, end of the console) may take: Kubernetes' default grace period is 30 s. */
const SHUTDOWN_DEADLINE_MS = 25_000;

async function run(role: LoadRole, opts: { config?: string; sandbox?: boolean }): Promise<void> {
  const console_ = role === 'console';
  // The config file and the environment are read here, once; every missing secret is one error.
  const settings = loadSettings({ ...(opts.config ? { given: opts.config } : {}), defaultPath: DEFAULT_CONFIG, role });
  const { path, secrets, logLevel, kubeconfig } = settings;
  let config = settings.config;
  // The console shares the terminal with the logs: keep them quiet unless asked.
  const log = createLogger(logLevel ?? (console_ ? 'warn' : 'info'));
  // A broken kubeconfig is one line at start, before anything connects (only the roles that use it).
  // The sandbox: asked for, or a console with no config of one's own (the shipped example) or no kube context.
  const noConfig = !opts.config && path === DEFAULT_CONFIG;
  const useSandbox = role !== 'gateway' && (!!opts.sandbox || (console_ && (noConfig || kubeconfig.origin === 'none')));
  if (role !== 'gateway' && !useSandbox) {
    const { checkKubeconfig } = await import('./config/kubeconfig.js');
    checkKubeconfig(kubeconfig, config);
  }
  await checkRedis(config.redis);

  const stops: (() => Promise<void>)[] = [];
  // Heavy modules load only in the roles that use them: a gateway never loads the Kubernetes
  // client (~85 MB of memory), nothing loads ldapts or Bolt unless configured.
  let kube: KubeClient | undefined;
  let sandbox: SandboxSession | undefined;
  if (role !== 'gateway') {
    // the Kubernetes client without the parts of client-node it never uses (~75 MB less): src/kube/slim.ts
    (await import('./kube/slim.js')).slimKubeClient();
    const { createKubeClients } = await import('./kube/client.js');
    if (useSandbox) {
      // A sandbox where every verb works: made-up cluster, its own helm/helmfile and deployment-charts, the console user its operator.
      const [{ openSandbox, sandboxStateDir }, { allVerbs }] = await Promise.all([import('./sandbox/session.js'), import('./handlers/index.js')]);
      const s = (sandbox = await openSandbox(config, allVerbs, sandboxStateDir(process.env, homedir()), console_));
      stops.push(() => s.close());
      config = s.config;
      kube = s.kube;
      process.env.PATH = s.pathEnv; // deploys find the sandbox helm and helmfile first
      const why = opts.sandbox ? '--sandbox' : kubeconfig.origin === 'none' ? 'no kube context found' : 'no config of your own (the example)';
      process.stderr.write(`[sandbox] ${why}: using a SANDBOX cluster with made-up pods at ${s.url} (kubectl --server ${s.url} get pods -A)\n`);
      process.stderr.write(`[sandbox] deployment-charts checkout: ${s.checkout} (git log there shows what flag and upgrade commit)\n`);
    } else {
      // one file: load it; a KUBECONFIG list or in-cluster: the client's own default loading
      const file = kubeconfig.files.length === 1 ? kubeconfig.files[0] : undefined;
      try {
        kube = createKubeClients({ ...(file ? { kubeconfig: file } : {}), timeoutMs: config.kubernetes.timeoutMs });
      } catch (e) {
        throw new ConfigError(`kubernetes.kubeconfig: ${file ?? kubeconfig.origin}: ${((e as Error).message ?? String(e)).split('\n')[0]}`);
      }
    }
  }

  let network: NetworkDirectory | undefined;
  if (config.ldap && !sandbox) {
    const [{ LdapDirectory }, { IdentityResolver }, { NetworkDirectory }] = await Promise.all([
      import('./directory/ldap.js'),
      import('./directory/identity.js'),
      import('./directory/lookup.js'),
    ]);
    const ldap = new LdapDirectory(config.ldap, { password: secrets.ldapPassword! });
    stops.push(() => ldap.close());
    network = new NetworkDirectory(new IdentityResolver(ldap, config.ldap));
  }

  const redis = createRedis(config.redis);
  const adapters: ChatAdapter[] = [];
  let shutdown: () => Promise<void> = async () => {};
  let startedNow: () => void = () => {};
  const started = new Promise<void>((resolve) => (startedNow = resolve));
  if (role !== 'worker') {
    // what is typed before everything has started waits (a piped first command would find the queue not yet connected)
    if (console_) adapters.push(new ConsoleAdapter({ sandbox: !!sandbox, hold: started, onEnd: () => void setTimeout(() => void shutdown(), 1500) }));
    if (config.irc) {
      const password = config.irc.sasl ? secrets.ircPassword : undefined;
      adapters.push(new IrcAdapter({ config: config.irc, ...(password ? { password } : {}), redis, prefix: config.redis.prefix, log }));
    }
    if (config.slack) {
      // Bolt is loaded only when Slack is configured (it costs ~40 MB of memory).
      const { SlackAdapter } = await import('./bot/slack.js');
      // its request de-duplication fails at once while Redis is down (the asker is told), rather than wait
      const slack = new SlackAdapter({
        config: config.slack,
        ...slackCredentials(config, secrets),
        redis: createFailFastRedis(config.redis),
        prefix: config.redis.prefix,
        log,
      });
      // Slack users are found in the directory by the e-mail Slack knows for them.
      network?.useEmailLookup('slack', (id) => slack.emailOf(id));
      adapters.push(slack);
    }
  }

  const app = await startApp({
    config,
    secrets,
    role: role === 'console' ? 'all' : role,
    log,
    adapters,
    redis,
    ...(kube ? { kube } : {}),
    ...(sandbox ? { directory: sandbox.directory } : network ? { directory: network } : {}),
  });
  log.info({ role, config: path }, 'deckhand started');
  startedNow();
  if (console_) {
    const first = Object.keys(config.services)[0] ?? 'superset';
    process.stdout.write(
      sandbox
        ? `Deckhand SANDBOX console (config ${path}): you are ${process.env.USER ?? 'operator'}, sandbox operator, allowed every verb on made-up services.\nTry: ${first} status · ${first} deploy staging · help · whoami   (quit or Ctrl-D to leave)\n`
        : `Deckhand console (config ${path}). Try: ${first} status · help · whoami   (quit or Ctrl-D to leave)\n`,
    );
  }

  let stopping = false;
  shutdown = async () => {
    if (stopping) return;
    stopping = true;
    // a stop that waits on something that will not come back (Redis away, a hung server) must not hold the process
    setTimeout(() => {
      log.error({ afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting now');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await app.stop();
    redis.disconnect();
    for (const s of stops) await s().catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

const program = new Command()
  .name('deckhand')
  .description('ChatOps for data-platform services on Kubernetes')
  .addOption(new Option('-c, --config <file>', 'configuration file (default: $DECKHAND_CONFIG, ./deckhand.yaml, then config/example.yaml)'))
  .option('--sandbox', 'use the built-in sandbox cluster instead of a real one')
  .argument('[role]', 'console (default) | all | gateway | worker', 'console')
  .action(async (role: string, opts: { config?: string; sandbox?: boolean }) => {
    if (!['console', 'all', 'gateway', 'worker'].includes(role)) throw new ConfigError(`unknown role "${role}": use console, all, gateway or worker`);
    await run(role as LoadRole, opts);
  });

// `deckhand jobs`, `deckhand job N`: the same file and overrides, no secrets needed
addHistoryCommands(program, { loadConfig: (given) => loadSettings({ ...(given ? { given } : {}), defaultPath: DEFAULT_CONFIG }).config });

program.parseAsync().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    // one line per problem, each naming the key; no stack trace
    for (const line of e.lines()) process.stderr.write(`deckhand: ${line}\n`);
  } else if (e instanceof RedisUnavailableError || e instanceof UserError) {
    process.stderr.write(`deckhand: ${e.message}\n`);
  } else {
    process.stderr.write(`deckhand: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exit(1);
});
