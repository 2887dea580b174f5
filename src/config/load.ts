import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ZodError } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One line per problem, each naming the key path: `services.superset.environments.production.namespace: required`. */
export function formatIssues(err: ZodError): string {
  return err.issues
    .map((i) => {
      const path = i.path.map(String).join('.') || '(top level)';
      const msg = i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'required' : i.message;
      return `${path}: ${msg}`;
    })
    .join('\n');
}

export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${source} is invalid:\n${formatIssues(result.error)}`);
  return result.data;
}

export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid YAML: ${(e as Error).message}`);
  }
  return parseConfig(raw, path);
}

/** Secrets live in the environment; the config names the variable. Missing → a precise error. */
export function secretFromEnv(envName: string, key: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[envName];
  if (!v) throw new ConfigError(`${key}: environment variable ${envName} is not set`);
  return v;
}
