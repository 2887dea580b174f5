import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** The example config shipped with the project, with overrides merged at the top level. */
export function exampleConfig(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const raw = parse(readFileSync(new URL('../../config/example.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  return parseConfig({ ...raw, ...overrides });
}
