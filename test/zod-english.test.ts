// src/core/zod-english.ts as main.ts installs it, in a Node process of its own (Jest's module system
// bypasses resolution hooks): zod loads without its locales and still says what is wrong in English.
import { beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildIfStale, root } from './support/cli-session.js';

const run = promisify(execFile);
beforeAll(() => buildIfStale(), 180_000);

async function zodIn(install: boolean): Promise<{ locales: number; message: string }> {
  const hook = join(root, 'dist/src/core/zod-english.js');
  const code = `${install ? `(await import(${JSON.stringify(hook)})).englishOnlyZod();` : ''}
    const { z } = await import('zod');
    const message = z.strictObject({ port: z.number() }).safeParse({ port: 'x' }).error.issues[0].message;
    console.log(JSON.stringify({ locales: Object.keys(z.locales).length, message }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root, timeout: 20_000 });
  return JSON.parse(stdout.trim()) as { locales: number; message: string };
}

test('with the hook zod has no locales and its messages are still English; without it, it has them all', async () => {
  const [slim, whole] = await Promise.all([zodIn(true), zodIn(false)]);
  expect(whole.locales).toBeGreaterThan(30);
  expect(slim.locales).toBe(0);
  expect(slim.message).toBe('Invalid input: expected number, received string');
  expect(slim.message).toBe(whole.message);
});
