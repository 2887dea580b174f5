import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** The repository root, whether this file runs from test/support or from dist/test/support (bench). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/**
 * The example config shipped with the project, with overrides merged at the top level. The per-user
 * command rate limit is off: a test's user sends many commands a minute; the tests of the limit set it.
 */
export function exampleConfig(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const raw = parse(readFileSync(join(repoRoot(), 'config/example.yaml'), 'utf8')) as Record<string, unknown>;
  return parseConfig({ ...raw, rateLimit: { perMinute: 0 }, ...overrides });
}
