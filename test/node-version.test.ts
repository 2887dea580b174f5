// The `deckhand` entry on an old Node says in one line what to do, before any dependency fails to load;
// `--version` answers without starting anything.
import { beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfStale, root } from './support/cli-session.js';

const SYSTEM_NODE = '/usr/bin/node';

function deckhand(node: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [join(root, 'dist/src/main.js'), ...args], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => buildIfStale(), 180_000);

test('on the system Node (20) it says it needs Node 24, in one line, exit code 1', async () => {
  expect(existsSync(SYSTEM_NODE)).toBe(true);
  const version = await new Promise<string>((resolve) => execFile(SYSTEM_NODE, ['--version'], (_e, out) => resolve(out.trim())));
  expect(Number(version.slice(1).split('.')[0])).toBeLessThan(24); // the machine's point: an old system Node
  const r = await deckhand(SYSTEM_NODE, ['--sandbox']);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`Deckhand needs Node 24 (this is ${version}): run it through npm (npm start, npx deckhand), or install Node 24\n`);
  expect(r.stdout).toBe('');
});

test('--version prints the package version and nothing else', async () => {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const r = await deckhand(process.execPath, ['--version']);
  expect(r).toEqual({ code: 0, stdout: `deckhand ${version}\n`, stderr: '' });
});
