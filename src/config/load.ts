// The one place the configuration and the environment are read. loadSettings() returns the
// validated config, the secrets its `…Env` keys name, and the environment overrides applied
// (DECKHAND_CONFIG, REDIS_URL, LOG_LEVEL, KUBECONFIG); nothing else in Deckhand reads process.env
// for configuration: the values are passed down.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { distance } from 'fastest-levenshtein';
import { parse } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { configSchema, LOG_LEVELS, type Config, type SlackConfig } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One line per problem, each naming the key (when the error is about keys). */
  readonly problems: string[];
  /** The file the problems are in, if any. */
  readonly source: string | undefined;

  constructor(message: string, o: { problems?: string[]; source?: string } = {}) {
    super(message);
    this.problems = o.problems ?? [message];
    this.source = o.source;
  }

  /** What to print: one line per problem, each prefixed with the file it is in. */
  lines(): string[] {
    return this.problems.map((p) => (this.source ? `${this.source}: ${p}` : p));
  }
}

// ---------------------------------------------------------------------------------------------
// Validation errors, one line each

type AnyDef = {
  type: string;
  shape?: Record<string, ZodType>;
  innerType?: ZodType;
  valueType?: ZodType;
  element?: ZodType;
  options?: ZodType[];
  in?: ZodType;
  getter?: () => ZodType;
};
const defOf = (s: ZodType): AnyDef => (s as unknown as { _zod: { def: AnyDef } })._zod.def;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'nonoptional', 'readonly', 'catch']);

function unwrap(s: ZodType): ZodType {
  for (;;) {
    const d = defOf(s);
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (d.type === 'lazy' && d.getter) s = d.getter();
    else return s;
  }
}

/** Of a union's options, the object the value was meant as: its discriminator matches, and it knows most of the keys. */
function pickOption(options: ZodType[], value: unknown): ZodType | undefined {
  const v = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  let best: ZodType | undefined;
  let bestScore = -Infinity;
  for (const o of options) {
    const shape = defOf(unwrap(o)).shape;
    if (!shape) continue;
    let score = 0;
    for (const k of Object.keys(v)) {
      const field = shape[k];
      if (!field) continue;
      const u = unwrap(field);
      score += defOf(u).type === 'literal' ? (u.safeParse(v[k]).success ? 100 : -100) : 1;
    }
    if (score > bestScore) [best, bestScore] = [o, score];
  }
  return best;
}

/** The keys a fixed-shape object at `path` accepts (walking the schema beside the value). */
export function validKeys(schema: ZodType, raw: unknown, path: PropertyKey[]): string[] {
  let s = schema;
  let v = raw;
  for (let i = 0; ;) {
    s = unwrap(s);
    let d = defOf(s);
    if (d.type === 'union' && d.options) {
      const o = pickOption(d.options, v);
      if (!o) return [];
      s = unwrap(o);
      d = defOf(s);
    }
    if (i === path.length) return d.shape ? Object.keys(d.shape) : [];
    const seg = path[i++]!;
    v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
    if (d.type === 'object' && d.shape) {
      const next = d.shape[String(seg)];
      if (!next) return [];
      s = next;
    } else if (d.type === 'record' && d.valueType) s = d.valueType;
    else if (d.type === 'array' && d.element) s = d.element;
    else return [];
  }
}

/** The valid key closest to a misspelt one, if any is close enough to be what was meant. */
export function closestKey(given: string, valid: string[]): string | undefined {
  const g = given.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of valid) {
    const d = distance(g, k.toLowerCase());
    if (d < bestD || (d === bestD && best !== undefined && k < best)) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** One line per problem, each naming the key path: `services.superset.environments.production.namespace: required`. */
export function issueLines(err: ZodError, raw?: unknown, schema: ZodType = configSchema): string[] {
  const lines: string[] = [];
  for (const i of err.issues) {
    const path = i.path.map(String);
    if (i.code === 'unrecognized_keys') {
      const valid = validKeys(schema, raw, i.path);
      for (const key of i.keys) {
        const near = closestKey(key, valid);
        const hint = near ? `did you mean ${near}?` : valid.length ? `valid keys: ${valid.join(', ')}` : undefined;
        lines.push(`${[...path, key].join('.')}: unknown key${hint ? ` (${hint})` : ''}`);
      }
      continue;
    }
    const msg = i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'required' : i.message;
    lines.push(`${path.join('.') || '(top level)'}: ${msg}`);
  }
  return lines;
}

export function formatIssues(err: ZodError, raw?: unknown): string {
  return issueLines(err, raw).join('\n');
}

export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = issueLines(result.error, raw ?? {});
    throw new ConfigError(`${source} is invalid:\n${problems.join('\n')}`, { problems, source });
  }
  return result.data;
}

const firstLine = (s: string): string => s.split('\n')[0]!.trim();

/** Read and validate one file (no environment overrides, no secrets). */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    // what Docker leaves where a bind-mounted file was missing: say what to do
    if ((e as NodeJS.ErrnoException).code === 'EISDIR')
      throw new ConfigError(`${path} is a directory, not a config file (with docker compose: copy config/deckhand.compose.yaml to ./deckhand.yaml)`);
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid YAML: ${firstLine((e as Error).message)}`);
  }
  return parseConfig(raw, path);
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** Secrets live in the environment; the config names the variable. Missing → a precise error. */
export function secretFromEnv(envName: string, key: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[envName];
  if (!v) throw new ConfigError(`${key}: environment variable ${envName} is not set`);
  return v;
}

/** The values of the variables the config's `…Env` keys name (undefined when not set). */
export interface Secrets {
  /** irc.sasl.passwordEnv */
  ircPassword?: string;
  /** ldap.bindPasswordEnv */
  ldapPassword?: string;
  /** slack.botTokenEnv */
  slackBotToken?: string;
  /** slack.signingSecretEnv (HTTP mode) */
  slackSigningSecret?: string;
  /** slack.appTokenEnv (Socket Mode) */
  slackAppToken?: string;
  /** http.linkSecretEnv: optional (without it log links last until the process restarts). */
  linkSecret?: string;
}

/** Process roles; `undefined` = a command that needs no secret (`deckhand jobs`). */
export type LoadRole = 'console' | 'all' | 'gateway' | 'worker';

interface SecretSpec {
  field: keyof Secrets;
  key: string;
  env: string;
  /** Which roles cannot start without it. */
  neededBy: readonly LoadRole[];
}

const CHAT: readonly LoadRole[] = ['console', 'all', 'gateway'];
const EVERY: readonly LoadRole[] = ['console', 'all', 'gateway', 'worker'];

function secretSpecs(config: Config): SecretSpec[] {
  const specs: SecretSpec[] = [];
  if (config.ldap) specs.push({ field: 'ldapPassword', key: 'ldap.bindPasswordEnv', env: config.ldap.bindPasswordEnv, neededBy: EVERY });
  if (config.irc?.sasl) specs.push({ field: 'ircPassword', key: 'irc.sasl.passwordEnv', env: config.irc.sasl.passwordEnv, neededBy: CHAT });
  if (config.slack) specs.push(...slackSpecs(config.slack));
  if (config.http) specs.push({ field: 'linkSecret', key: 'http.linkSecretEnv', env: config.http.linkSecretEnv, neededBy: [] });
  return specs;
}

function slackSpecs(slack: SlackConfig): SecretSpec[] {
  return [
    { field: 'slackBotToken', key: 'slack.botTokenEnv', env: slack.botTokenEnv, neededBy: CHAT },
    slack.mode === 'socket'
      ? { field: 'slackAppToken', key: 'slack.appTokenEnv', env: slack.appTokenEnv, neededBy: CHAT }
      : { field: 'slackSigningSecret', key: 'slack.signingSecretEnv', env: slack.signingSecretEnv, neededBy: CHAT },
  ];
}

/** Read these secrets; every required one that is missing is named in one line (its variable and its key). */
function read(specs: SecretSpec[], env: NodeJS.ProcessEnv, role: LoadRole | undefined): Secrets {
  const secrets: Secrets = {};
  const missing: string[] = [];
  for (const s of specs) {
    const v = env[s.env];
    if (v) secrets[s.field] = v;
    else if (role && s.neededBy.includes(role)) missing.push(`${s.env} is not set (${s.key})`);
  }
  if (missing.length) throw new ConfigError(`missing secrets: ${missing.join(', ')}`);
  return secrets;
}

/** Every secret the config names, read from the environment; with a role, all the missing required ones in one error. */
export function readSecrets(config: Config, env: NodeJS.ProcessEnv = process.env, role?: LoadRole): Secrets {
  return read(secretSpecs(config), env, role);
}

/** The Slack adapter's credentials for the mode configured, from secrets already read (or from `env`). */
export function slackCredentials(config: Config, secrets: Secrets): { botToken: string; signingSecret?: string; appToken?: string } {
  const slack = config.slack!;
  const have: NodeJS.ProcessEnv = {};
  for (const s of slackSpecs(slack)) have[s.env] = secrets[s.field];
  return slackSecrets(slack, have);
}

/** The Slack section's secrets from the environment; every missing one named in one line. */
export function slackSecrets(slack: SlackConfig, env: NodeJS.ProcessEnv = process.env): { botToken: string; signingSecret?: string; appToken?: string } {
  const s = read(slackSpecs(slack), env, 'gateway');
  const botToken = s.slackBotToken!;
  return slack.mode === 'socket' ? { botToken, appToken: s.slackAppToken! } : { botToken, signingSecret: s.slackSigningSecret! };
}

// ---------------------------------------------------------------------------------------------
// The kubeconfig: where it is (its contents are checked by ./kubeconfig.ts, in the roles that use it)

export interface KubeconfigSource {
  /** kubernetes.kubeconfig; else $KUBECONFIG (a list); else ~/.kube/config; else in-cluster; else none. */
  origin: 'config' | 'KUBECONFIG' | 'default' | 'in-cluster' | 'none';
  /** The files, in order (empty for in-cluster and none). */
  files: string[];
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function resolveKubeconfig(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeconfigSource {
  if (configured) return { origin: 'config', files: [configured] };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (list.length) return { origin: 'KUBECONFIG', files: list };
  const home = join(env.HOME || homedir(), '.kube', 'config');
  if (existsSync(home)) return { origin: 'default', files: [home] };
  if (existsSync(IN_CLUSTER_TOKEN)) return { origin: 'in-cluster', files: [] };
  return { origin: 'none', files: [] };
}

// ---------------------------------------------------------------------------------------------
// Everything at once

export interface Settings {
  /** The file read. */
  path: string;
  /** Validated, with REDIS_URL and LOG_LEVEL applied. */
  config: Config;
  secrets: Secrets;
  /** LOG_LEVEL, else log.level, else undefined (the caller's default for its role). */
  logLevel: string | undefined;
  kubeconfig: KubeconfigSource;
}

export interface LoadOptions {
  /** --config */
  given?: string;
  /** Used when neither --config, $DECKHAND_CONFIG nor ./deckhand.yaml is there. */
  defaultPath?: string;
  /** Which secrets must be set; none when undefined. */
  role?: LoadRole;
  env?: NodeJS.ProcessEnv;
}

/** `--config`, else $DECKHAND_CONFIG, else ./deckhand.yaml, else the default. */
export function configPath(given: string | undefined, env: NodeJS.ProcessEnv = process.env, defaultPath = 'config/example.yaml'): string {
  return given ?? (env.DECKHAND_CONFIG || undefined) ?? (existsSync('deckhand.yaml') ? 'deckhand.yaml' : defaultPath);
}

/** Read the config file and the environment once: the config, its secrets, the overrides. Every problem is a ConfigError. */
export function loadSettings(o: LoadOptions = {}): Settings {
  const env = o.env ?? process.env;
  const path = configPath(o.given, env, o.defaultPath);
  const config = loadConfig(path);
  if (env.REDIS_URL) {
    const r = configSchema.shape.redis.safeParse({ ...config.redis, url: env.REDIS_URL });
    if (!r.success)
      throw new ConfigError(
        `REDIS_URL: ${issueLines(r.error)
          .map((l) => l.replace(/^url: /, ''))
          .join('; ')}`,
      );
    config.redis.url = env.REDIS_URL;
  }
  let logLevel: string | undefined = config.log.level;
  if (env.LOG_LEVEL) {
    if (!(LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL)) throw new ConfigError(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}`);
    logLevel = env.LOG_LEVEL;
  }
  const secrets = readSecrets(config, env, o.role);
  return { path, config, secrets, logLevel, kubeconfig: resolveKubeconfig(config.kubernetes.kubeconfig, env) };
}
