// The console on a terminal, through a real pseudo-terminal (Python's pty: node has none): a prompt,
// arrow keys that move the cursor inside the line (a left arrow is not part of the command), history
// with the up arrow, and `quit`. The piped console (answers in the order asked) is the sandbox tour's.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { buildIfStale, root } from './support/cli-session.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'deckhand-pty-'));
const prefix = freshPrefix('pty');
const LEFT = '\x1b[D';
const UP = '\x1b[A';
const STATUS = /superset production: 4\/4 ready/g;

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

type Step = { wait: string; timeout?: number } | { send: string };

async function drive(steps: Step[]): Promise<{ transcript: string; exit: number; error: string | null }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: '', USER: 'newcomer', REDIS_URL, TERM: 'xterm', LOG_LEVEL: 'warn' };
  const spec = { argv: [process.execPath, join(root, 'dist/src/main.js'), '--config', join(home, 'deckhand.yaml')], env, cwd: home, steps };
  const r = await run('python3', [join(root, 'test/support/pty-drive.py'), JSON.stringify(spec)], { timeout: 60_000, maxBuffer: 10 << 20 });
  return JSON.parse(r.stdout) as { transcript: string; exit: number; error: string | null };
}

test('prompt, a line edited with the arrow keys, the history, then quit', async () => {
  const r = await drive([
    { wait: 'sandbox> ', timeout: 30 },
    // "superset stus", cursor two to the left, "at" typed there: "superset status"
    { send: 'superset stus' },
    { send: LEFT + LEFT },
    { send: 'at\r' },
    { wait: 'superset production: 4/4 ready' },
    { wait: 'sandbox> ' },
    // the up arrow brings the last command back; Enter runs it again
    { send: UP },
    { wait: 'superset status' },
    { send: '\r' },
    { wait: 'superset production: 4/4 ready' },
    { wait: 'sandbox> ' },
    { send: 'quit\r' },
  ]);
  expect(r.error).toBeNull();
  expect(r.transcript).not.toMatch(/unknown (command|service)/);
  expect(r.transcript.match(STATUS)).toHaveLength(2);
  expect(r.transcript).toContain('[sandbox] superset production: 4/4 ready');
  expect(r.exit).toBe(0);
}, 90_000);

test('exit leaves as quit does; Ctrl-C drops the line being typed', async () => {
  const r = await drive([
    { wait: 'sandbox> ', timeout: 30 },
    { send: 'superset deploy production' },
    { send: '\x03' },
    { wait: 'sandbox> ' },
    { send: 'exit\r' },
  ]);
  expect(r.error).toBeNull();
  expect(r.transcript).toContain('^C');
  expect(r.transcript).not.toMatch(/deploy started|confirm/);
  expect(r.exit).toBe(0);
}, 90_000);
