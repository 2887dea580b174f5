/**
 * The real `deckhand` command (dist/src/main.js, built first by `buildIfStale`), started as a person
 * would start it, its stdin a pipe we type into and its output collected: `waitFor` waits until a line
 * matching appears (stdout or stderr) after a given position, so a test reads the console as a person
 * reads it, in order.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './config.js';

const run = promisify(execFile);
export const root = repoRoot();

/** `npm start`'s build step: tsc only when a source changed since the last build. */
export async function buildIfStale(): Promise<void> {
  await run(process.execPath, [join(root, 'scripts/build-if-stale.mjs')], { cwd: root, timeout: 170_000 });
}

export interface CliSession {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string[];
  stderr: () => string[];
  /** Type a line. */
  type(line: string): void;
  /** The first stdout line after `from` (an index into stdout()) that matches, once it is there. */
  waitFor(re: RegExp, o?: { from?: number; stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<{ line: string; index: number }>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  kill(): void;
}

export function startCli(args: string[], env: Record<string, string>, cwd = root): CliSession {
  const child = spawn(process.execPath, [join(root, 'dist/src/main.js'), ...args], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
  const out: string[] = [];
  const err: string[] = [];
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop()!;
      into.push(...parts);
    };
  };
  child.stdout.on('data', collect(out));
  child.stderr.on('data', collect(err));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    type: (line) => void child.stdin.write(line + '\n'),
    exited,
    kill: () => void child.kill('SIGTERM'),
    async waitFor(re, o = {}) {
      const lines = o.stream === 'stderr' ? err : out;
      const until = Date.now() + (o.timeoutMs ?? 20_000);
      for (;;) {
        for (let i = o.from ?? 0; i < lines.length; i++) if (re.test(lines[i]!)) return { line: lines[i]!, index: i };
        if (Date.now() > until)
          throw new Error(`no line matching ${re} after ${o.from ?? 0}; ${o.stream ?? 'stdout'} was:\n${lines.join('\n')}\nstderr:\n${err.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
