import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { repoRoot } from './support/config.js';
import { dropPrefix, freshPrefix } from './support/redis.js';

// The real CLI, as `npm start` runs it (built with tsc first by the test's beforeAll).
const run = promisify(execFile);
const root = repoRoot();
const cli = join(root, 'dist/src/cli.js');

beforeAll(async () => {
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root });
}, 120000);

async function deckhand(args: string[], env: Record<string, string> = {}, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

it('says in one line how to start Redis when none is reachable', async () => {
  const r = await deckhand([], { REDIS_URL: 'redis://127.0.0.1:1' });
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^deckhand: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*Start one with `redis-server --daemonize yes` or point REDIS_URL at yours\.$/m);
});

it('names the bad key of a broken config file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-cli-'));
  writeFileSync(join(dir, 'bad.yaml'), 'services:\n  superset:\n    environments:\n      production: { selector: app=superset }\n');
  const r = await deckhand(['--config', join(dir, 'bad.yaml')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('services.superset.environments.production.namespace: required');
});

it('answers typed commands on the console from the sandbox cluster when there is no kube context', async () => {
  const home = mkdtempSync(join(tmpdir(), 'deckhand-home-'));
  const prefix = freshPrefix('cli');
  const config = parse(readFileSync(join(root, 'config/example.yaml'), 'utf8')) as { redis: { prefix: string } };
  config.redis.prefix = prefix;
  writeFileSync(join(home, 'deckhand.yaml'), stringify(config));
  const r = await deckhand(['--config', join(home, 'deckhand.yaml')], { HOME: home, KUBECONFIG: '', USER: 'newcomer', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, 'superset status\nsupreset status\n');
  expect(r.stderr).toMatch(/\[sandbox\] no kube context found/);
  expect(r.stdout).toContain('superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d');
  expect(r.stdout).toContain('unknown service "supreset" (did you mean superset?)');
  await dropPrefix(prefix);
}, 30000);
