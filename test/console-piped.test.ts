// The console with piped input: each command waits for the answer to the one before, so the answers
// come in the order asked (a slow job's answer before a quick one typed after it), then it leaves at EOF.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildIfStale, root, startCli } from './support/cli-session.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';

const home = mkdtempSync(join(tmpdir(), 'deckhand-piped-'));
const prefix = freshPrefix('piped');

beforeAll(async () => {
  await buildIfStale();
  const config = parse(readFileSync(join(root, 'config/example.yaml'), 'utf8')) as { redis: { prefix: string } };
  config.redis.prefix = prefix;
  writeFileSync(join(home, 'deckhand.yaml'), stringify(config));
}, 180_000);
afterAll(async () => {
  await dropPrefix(prefix);
  rmSync(home, { recursive: true, force: true });
});

test('a slow command typed first is answered first; help <service> and a bare verb answer too; EOF leaves', async () => {
  const cli = startCli(['--config', join(home, 'deckhand.yaml')], { HOME: home, KUBECONFIG: '', USER: 'newcomer', REDIS_URL, LOG_LEVEL: 'warn' }, home);
  // all at once, before anything has answered: the diff runs helmfile (a job), help is answered by the gateway at once
  cli.child.stdin.end('superset diff staging\nhelp superset\nstatus\n');
  expect(await cli.exited).toBe(0);
  const out = cli.stdout();
  const diff = out.findIndex((l) => /^\[sandbox\] superset staging: 1 release \(staging\)/.test(l));
  const help = out.findIndex((l) => /^\[sandbox\] you may run — superset: status help deploy/.test(l));
  const bare = out.findIndex((l) => /^\[sandbox\] status which service\? superset, airflow-search, airflow-test-k8s, paws/.test(l));
  expect(diff).toBeGreaterThan(-1);
  expect(help).toBeGreaterThan(diff);
  expect(bare).toBeGreaterThan(help);
}, 60_000);
