import { approvalsSchema } from './approvals.js';
import { deploymentChartsSchema, flagsSchema, upgradeSchema } from './charts.js';
import { healthSchema } from './health.js';
import { checkRedisHa, leaderSchema, redisHaShape } from './ha.js';
import { z } from 'zod';

// Every fixed-shape object is strict: an unknown or misspelt key is an error (config/load.ts names
// the closest valid key), never silently dropped. Records (services, environments, permissions…)
// are keyed by names the operator chooses.

/** A port Deckhand connects to. */
const port = z.number().int('must be a whole number').min(1, 'must be a port, 1–65535').max(65535, 'must be a port, 1–65535');
/** A port Deckhand listens on; 0 picks a free one (tests). */
const listenPort = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be a port, 1–65535 (or 0 for any free port)')
  .max(65535, 'must be a port, 1–65535 (or 0 for any free port)');
/** A URL of one of these schemes whose port, when it has one, is in range. */
function urlOf(schemes: string[]) {
  const want = schemes.map((x) => `${x}://`).join(' or ');
  return z.string().superRefine((v, ctx) => {
    const portText = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):(\d+)(?:[/?#]|$)/i.exec(v)?.[1];
    if (portText !== undefined && (Number(portText) < 1 || Number(portText) > 65535))
      return void ctx.addIssue({ code: 'custom', message: 'port must be 1–65535' });
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return void ctx.addIssue({ code: 'custom', message: `must be a URL starting with ${want}` });
    }
    if (!schemes.includes(u.protocol.replace(/:$/, ''))) ctx.addIssue({ code: 'custom', message: `must start with ${want}` });
  });
}

// Names that reach processes, files and chat lines: strict patterns, checked once here.
export const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const name = z.string().regex(NAME, 'must be lower-case letters, digits and "-", starting with a letter');

const deployHelmfile = z.strictObject({
  tool: z.literal('helmfile'),
  dir: z.string().min(1),
  environment: z.string().min(1),
  selector: z
    .string()
    .regex(/^name=[A-Za-z0-9._-]+$/, 'must look like name=<release>')
    .optional(),
  /** The helm release (`releases`, `rollback`); default the selector's name=…, else the environment's name. */
  release: name.optional(),
  /** The kubeconfig helm is given for `releases` and `rollback`: the one the helmfile passes in helmDefaults.args. */
  kubeconfig: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]+$/, 'must be an absolute path')
    .optional(),
});
const deployHelm = z.strictObject({
  tool: z.literal('helm'),
  release: name,
  chart: z.string().min(1),
  namespace: z.string().optional(),
  valuesFiles: z.array(z.string()).default([]),
  dir: z.string().optional(),
  /** The kubeconfig for `releases` and `rollback` (default: helm's, from KUBECONFIG). */
  kubeconfig: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]+$/, 'must be an absolute path')
    .optional(),
});

export const environmentSchema = z.strictObject({
  context: z.string().optional(),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name'),
  selector: z.string().min(1),
  confirm: z.boolean().default(false),
  /** A second person's approval before a change starts (src/config/approvals.ts). */
  approvals: approvalsSchema.optional(),
  deploy: z.discriminatedUnion('tool', [deployHelmfile, deployHelm]).optional(),
  values: z.string().optional(),
  /** Managed by the Superset operator: the `Superset` custom resource (superset.apache.org/v1alpha1); `status` and the monitor read it, `approve-upgrade` annotates it. */
  operator: z
    .strictObject({
      name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name'),
      /** Default: the environment's namespace. */
      namespace: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name')
        .optional(),
    })
    .optional(),
});

export const serviceSchema = z.strictObject({
  description: z.string().optional(),
  announce: z
    .strictObject({
      irc: z.array(z.string()).default([]),
      slack: z.array(z.string()).default([]),
      /** The terminal console (the sandbox announces there); only a `console` process shows it. */
      console: z.array(z.string()).optional(),
    })
    .default({ irc: [], slack: [] }),
  /** verb → groups allowed; read-only verbs default to public, mutating verbs to nobody. */
  permissions: z.record(z.string(), z.array(z.string())).default({}),
  environments: z.record(name, environmentSchema).refine((e) => Object.keys(e).length > 0, 'needs at least one environment'),
  /** Feature flags in the values files (`flags`, `flag NAME on|off`): src/config/charts.ts. */
  flags: flagsSchema.optional(),
  /** Version bumps (`upgrade <version>`): which file and keys. */
  upgrade: upgradeSchema.optional(),
  /** `stop <env>` / `start <env>`: the deployments scaled to 0 and back ({release} is the environment's helm release). */
  stop: z
    .strictObject({ deployments: z.array(z.string().regex(/^[a-z0-9{}][-a-z0-9{}]*$/, 'must be a deployment name (may hold {release})')).min(1) })
    .optional(),
  /** Application health probes through the API server's service proxy: src/health (defaults per kind). */
  health: healthSchema.optional(),
});

const ircSchema = z.strictObject({
  host: z.string().min(1),
  port: port.default(6697),
  tls: z.boolean().default(true),
  nick: z.string().min(1).default('deckhand'),
  username: z.string().optional(),
  gecos: z.string().default('Deckhand ChatOps bot'),
  sasl: z.strictObject({ account: z.string().min(1), passwordEnv: z.string().min(1) }).optional(),
  channels: z.array(z.string().regex(/^[#&][^\s,]+$/, 'must be a channel name like #name')).default([]),
  /**
   * Outbound pacing of every line (src/bot/irc-limits.ts): the server's flood rules by profile (auto: from the
   * server's version; InspIRCd's default class, Solanum/Libera, else the stricter); burst/perSecond replace the
   * profile's where a network grants the bot more. A PING round trip lagMs above the best one slows it down.
   */
  rate: z
    .strictObject({
      profile: z.enum(['auto', 'inspircd', 'solanum', 'safe']).default('auto'),
      burst: z.number().int().min(1).optional(),
      perSecond: z.number().positive().optional(),
      lagMs: z.number().int().positive().default(1000),
    })
    .default({ profile: 'auto', lagMs: 1000 }),
  /** CTCP VERSION/PING/TIME/CLIENTINFO answers: paced, one per sender per perSenderSeconds, perMinute in all; answer: false for none. */
  ctcp: z
    .strictObject({
      answer: z.boolean().default(true),
      version: z.string().min(1).default('Deckhand ChatOps bot'),
      perSenderSeconds: z.number().min(0).default(60),
      perMinute: z.number().positive().default(10),
      maxQueued: z.number().int().min(0).default(3),
    })
    .default({ answer: true, version: 'Deckhand ChatOps bot', perSenderSeconds: 60, perMinute: 10, maxQueued: 3 }),
  /** Bytes of text per PRIVMSG, kept below the 512-byte protocol line with room for the prefix. */
  maxLineBytes: z.number().int().min(50).max(450).default(400),
  /** Longer answers show this many lines, then a pointer to the whole answer in the job's log (`!job N log`, and its signed page). */
  maxReplyLines: z.number().int().min(2).max(100).default(20),
  reconnect: z.strictObject({ minMs: z.number().int().default(1000), maxMs: z.number().int().default(8000) }).default({ minMs: 1000, maxMs: 8000 }),
});

const ldapSchema = z.strictObject({
  url: urlOf(['ldap', 'ldaps']),
  startTls: z.boolean().default(false),
  bindDn: z.string().min(1),
  bindPasswordEnv: z.string().min(1),
  base: z.string().min(1),
  userBase: z.string().optional(),
  groupBase: z.string().optional(),
  userAttribute: z.string().default('uid'),
  mailAttribute: z.string().default('mail'),
  groupFilter: z.string().default('(objectClass=groupOfNames)'),
  memberAttribute: z.string().default('member'),
  timeoutMs: z.number().int().positive().default(3000),
  cacheTtlSeconds: z.number().int().min(0).default(60),
  cacheMax: z.number().int().min(1).default(1000),
  /** IRC account → directory uid, when they differ. */
  accountMap: z.record(z.string(), z.string()).default({}),
});

// Slack (src/bot/slack.ts): the settings besides the connection, with the values Slack asks for as defaults.
const slackSettings = z.strictObject({
  /** The catch-all slash command; every other command is taken as a service name. */
  mainCommand: z
    .string()
    .regex(/^\/?[a-z0-9][a-z0-9_-]{0,31}$/, 'must be a slash command name like deckhand')
    .default('deckhand'),
  /** Listen address in HTTP mode (default: all interfaces). */
  host: z.string().min(1).optional(),
  /** Channel-visible posts per channel: a burst, then a steady rate (Slack: about one message a second per channel). */
  rate: z.strictObject({ burst: z.number().int().min(1).default(4), perSecond: z.number().positive().default(1) }).default({ burst: 4, perSecond: 1 }),
  /** Web API and response_url: retries (a 429 waits for Retry-After first) and the per-request timeout. */
  retries: z.number().int().min(0).default(6),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  /** How long a request id is remembered, so a retried request never runs twice (Slack retries for about an hour). */
  dedupTtlSeconds: z
    .number()
    .int()
    .positive()
    .default(2 * 3600),
  /** How long a reply thread's context (asker, response_url) is kept: longer than any job runs. */
  contextTtlSeconds: z
    .number()
    .int()
    .positive()
    .default(2 * 24 * 3600),
  /** users.info answers (e-mail for identity, name for display): cached this long, at most this many. */
  userCacheTtlSeconds: z.number().min(0).default(600),
  userCacheMax: z.number().int().min(1).default(5000),
});
export const SLACK_DEFAULTS = slackSettings.parse({});
const slackSchema = slackSettings.extend({
  mode: z.enum(['http', 'socket']).default('http'),
  signingSecretEnv: z.string().min(1).default('SLACK_SIGNING_SECRET'),
  botTokenEnv: z.string().min(1).default('SLACK_BOT_TOKEN'),
  appTokenEnv: z.string().min(1).default('SLACK_APP_TOKEN'),
  /** HTTP mode: where Slack's requests arrive (POST /slack/events); 0 = any free port (tests). */
  port: listenPort.default(3000),
  /** A Slack-compatible Web API (the stand-in in tests). */
  apiUrl: urlOf(['http', 'https']).optional(),
});

// Deploys (src/deploy): time limits, the lock, what is kept of the output, what must never reach chat.
const deploySettings = z.strictObject({
  timeoutMinutes: z.number().positive().default(15),
  confirmMinutes: z.number().positive().default(5),
  lockTtlSeconds: z.number().positive().default(30),
  killGraceSeconds: z.number().min(0).default(10),
  chatLines: z.number().int().min(1).default(6),
  logMaxLines: z.number().int().min(100).default(20000),
  logTtlDays: z.number().positive().default(30),
  /** Environment variables passed to helmfile/helm besides PATH, HOME, KUBECONFIG, HELM_*… (never the bot's own secrets). */
  passEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  /** Values to redact from chat: these environment variables' values, and every string in these YAML files. */
  secretEnv: z.array(z.string()).default([]),
  secretFiles: z.array(z.string()).default([]),
});
export const DEPLOY_DEFAULTS = deploySettings.parse({});
/** A roll-out step: `<service>` (each of its environments, in config order) or `<service>/<environment>`. */
const rolloutStep = z.string().regex(/^[a-z][a-z0-9-]{0,62}(\/[a-z][a-z0-9-]{0,62})?$/, 'must be <service> or <service>/<environment>');

// Maintenance windows and the downtime monitor (src/maintenance, src/monitor).
const durationText = z.string().regex(/^(?=\d)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$/, 'must be a duration like 1h, 10m or 1h30m');
const maintenanceSettings = z.strictObject({
  /** Reminders before a window starts. */
  remindBefore: z.array(durationText).default(['1h', '10m']),
  maxDuration: durationText.default('7d'),
  maxReasonChars: z.number().int().min(20).max(300).default(200),
  /** While a window runs, append "| MAINTENANCE until …: <reason>" to the topic of the service's IRC announce channels (the bot needs op there, or -t). */
  topicSuffix: z.boolean().default(false),
});
export const MAINTENANCE_DEFAULTS = maintenanceSettings.parse({});
const monitorSettings = z.strictObject({
  enabled: z.boolean().default(false),
  /** DOWN only once unhealthy this long; RECOVERED once healthy this long (no flood from a flapping pod). */
  downAfterSeconds: z.number().min(0).default(60),
  upAfterSeconds: z.number().min(0).default(60),
  /** Full re-list beside the watch; polling interval when a watch fails. */
  resyncSeconds: z.number().positive().default(300),
  pollSeconds: z.number().positive().default(30),
  /** How often the operator's custom resource is read and the health probes run (services.<s>.health, environments.<e>.operator). */
  healthSeconds: z.number().positive().default(15),
  /** Leadership lease: one monitor announces, across every worker. */
  leaseSeconds: z.number().positive().default(15),
  /** During a maintenance window or a running deploy: announce worded "(expected: …)", or stay quiet. */
  expected: z.enum(['announce', 'quiet']).default('announce'),
});
export const MONITOR_DEFAULTS = monitorSettings.parse({});

// Job history (src/history) and the HTTP server for /metrics, health and signed log pages (src/http).
const httpSchema = z.strictObject({
  port: listenPort.default(9180),
  host: z.string().min(1).default('127.0.0.1'),
  /** Base URL people reach the server at, for links posted in chat, e.g. https://deckhand.example.org */
  publicUrl: z
    .string()
    .regex(/^https?:\/\/[^\s?#]+$/, 'must be an http(s) URL without query')
    .optional(),
  /** Environment variable holding the HMAC secret of log links (at least 16 characters). */
  linkSecretEnv: z.string().min(1).default('DECKHAND_LINK_SECRET'),
  linkTtlHours: z.number().positive().default(24),
});
const historySchema = z.strictObject({
  maxAgeDays: z.number().positive().default(90),
  maxCount: z.number().int().min(1).default(100_000),
  /** How often the trim runs (one process at a time, under a Redis lock). */
  trimEveryMinutes: z.number().positive().default(10),
});
export const HISTORY_DEFAULTS = historySchema.parse({});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel = z.enum(LOG_LEVELS);

export const configSchema = z
  .strictObject({
    /** REDIS_URL overrides url (config/load.ts). */
    redis: z
      .strictObject({ url: urlOf(['redis', 'rediss']).default('redis://127.0.0.1:6379'), prefix: z.string().min(1).default('deckhand'), ...redisHaShape })
      .default({ url: 'redis://127.0.0.1:6379', prefix: 'deckhand' }),
    /** Leader election between gateways (src/config/ha.ts); without it, every gateway holds IRC (run one). */
    leader: leaderSchema.optional(),
    /** Log level (pino); LOG_LEVEL overrides it. Default: warn in the console role, else info. */
    log: z.strictObject({ level: logLevel.optional() }).default({}),
    irc: ircSchema.optional(),
    slack: slackSchema.optional(),
    ldap: ldapSchema.optional(),
    kubernetes: z
      .strictObject({ kubeconfig: z.string().min(1).optional(), timeoutMs: z.number().int().positive().default(10000) })
      .default({ timeoutMs: 10000 }),
    deploymentCharts: deploymentChartsSchema.optional(),
    status: z.strictObject({ maxLines: z.number().int().min(1).default(8) }).default({ maxLines: 8 }),
    services: z.record(name, serviceSchema).refine((s) => Object.keys(s).length > 0, 'needs at least one service'),
    http: httpSchema.optional(),
    history: historySchema.default(HISTORY_DEFAULTS),
    deploy: deploySettings.default(DEPLOY_DEFAULTS),
    rollouts: z.record(name, z.array(rolloutStep).min(1)).default({}),
    maintenance: maintenanceSettings.default(MAINTENANCE_DEFAULTS),
    monitor: monitorSettings.default(MONITOR_DEFAULTS),
    /** Commands per user (account, else nick) in any minute, on every network; more get one "slow down" line. 0: no limit. */
    rateLimit: z.strictObject({ perMinute: z.number().int().min(0).default(10) }).default({ perMinute: 10 }),
  })
  .superRefine((c, ctx) => {
    checkRedisHa(c.redis, ctx);
    for (const [group, steps] of Object.entries(c.rollouts)) {
      steps.forEach((step, i) => {
        const [svc, env] = step.split('/');
        const service = c.services[svc!];
        if (!service) ctx.addIssue({ code: 'custom', path: ['rollouts', group, i], message: `no service "${svc}"` });
        else if (env && !service.environments[env])
          ctx.addIssue({ code: 'custom', path: ['rollouts', group, i], message: `${svc} has no environment "${env}"` });
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type IrcConfig = z.infer<typeof ircSchema>;
export type LdapConfig = z.infer<typeof ldapSchema>;
/** The Slack section; its settings may be left out by code that builds one by hand (SLACK_DEFAULTS then apply). */
export type SlackConfig = Omit<z.infer<typeof slackSchema>, keyof typeof SLACK_DEFAULTS> & Partial<typeof SLACK_DEFAULTS>;
