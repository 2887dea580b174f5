import { z } from 'zod';

// Names that reach processes, files and chat lines: strict patterns, checked once here.
export const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const name = z.string().regex(NAME, 'must be lower-case letters, digits and "-", starting with a letter');

const deployHelmfile = z.object({
  tool: z.literal('helmfile'),
  dir: z.string().min(1),
  environment: z.string().min(1),
  selector: z.string().regex(/^name=[A-Za-z0-9._-]+$/, 'must look like name=<release>').optional(),
});
const deployHelm = z.object({
  tool: z.literal('helm'),
  release: name,
  chart: z.string().min(1),
  namespace: z.string().optional(),
  valuesFiles: z.array(z.string()).default([]),
  dir: z.string().optional(),
});

export const environmentSchema = z.object({
  context: z.string().optional(),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name'),
  selector: z.string().min(1),
  confirm: z.boolean().default(false),
  deploy: z.discriminatedUnion('tool', [deployHelmfile, deployHelm]).optional(),
  values: z.string().optional(),
});

export const serviceSchema = z.object({
  description: z.string().optional(),
  announce: z.object({ irc: z.array(z.string()).default([]), slack: z.array(z.string()).default([]) }).default({ irc: [], slack: [] }),
  /** verb → groups allowed; read-only verbs default to public, mutating verbs to nobody. */
  permissions: z.record(z.string(), z.array(z.string())).default({}),
  environments: z.record(name, environmentSchema).refine((e) => Object.keys(e).length > 0, 'needs at least one environment'),
  flags: z.object({ path: z.string().min(1) }).optional(),
});

const ircSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(6697),
  tls: z.boolean().default(true),
  nick: z.string().min(1).default('deckhand'),
  username: z.string().optional(),
  gecos: z.string().default('Deckhand ChatOps bot'),
  sasl: z.object({ account: z.string().min(1), passwordEnv: z.string().min(1) }).optional(),
  channels: z.array(z.string().regex(/^[#&][^\s,]+$/, 'must be a channel name like #name')).default([]),
  /** Outbound pacing: a small burst, then a steady rate (irc-framework has no flood control). */
  rate: z.object({ burst: z.number().int().min(1).default(5), perSecond: z.number().positive().default(2) }).default({ burst: 5, perSecond: 2 }),
  /** Bytes of text per PRIVMSG, kept below the 512-byte protocol line with room for the prefix. */
  maxLineBytes: z.number().int().min(50).max(450).default(400),
  reconnect: z.object({ minMs: z.number().int().default(1000), maxMs: z.number().int().default(60000) }).default({ minMs: 1000, maxMs: 60000 }),
});

const ldapSchema = z.object({
  url: z.string().regex(/^ldaps?:\/\//, 'must start with ldap:// or ldaps://'),
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

const slackSchema = z.object({
  mode: z.enum(['http', 'socket']).default('http'),
  signingSecretEnv: z.string().default('SLACK_SIGNING_SECRET'),
  botTokenEnv: z.string().default('SLACK_BOT_TOKEN'),
  appTokenEnv: z.string().default('SLACK_APP_TOKEN'),
  port: z.number().int().default(3000),
  apiUrl: z.string().url().optional(),
});

export const configSchema = z.object({
  redis: z.object({ url: z.string().default('redis://127.0.0.1:6379'), prefix: z.string().default('deckhand') }).default({ url: 'redis://127.0.0.1:6379', prefix: 'deckhand' }),
  irc: ircSchema.optional(),
  slack: slackSchema.optional(),
  ldap: ldapSchema.optional(),
  kubernetes: z.object({ kubeconfig: z.string().optional(), timeoutMs: z.number().int().positive().default(10000) }).default({ timeoutMs: 10000 }),
  deploymentCharts: z.object({ checkout: z.string(), remote: z.string().default('origin'), push: z.boolean().default(false) }).optional(),
  status: z.object({ maxLines: z.number().int().min(1).default(8) }).default({ maxLines: 8 }),
  services: z.record(name, serviceSchema).refine((s) => Object.keys(s).length > 0, 'needs at least one service'),
});

export type Config = z.infer<typeof configSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type IrcConfig = z.infer<typeof ircSchema>;
export type LdapConfig = z.infer<typeof ldapSchema>;
export type SlackConfig = z.infer<typeof slackSchema>;
