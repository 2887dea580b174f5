import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

export interface ChildWorker {
  child: ChildProcess;
  pid: number;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start test/support/worker-child.ts in its own Node process (the same Node binary as the test); resolves once it listens. */
export async function spawnWorker(
  spec: {
    prefix: string;
    config: unknown;
    lockDurationMs?: number;
    stalledIntervalMs?: number;
    slapd?: { url: string; bindDn: string; bindPassword: string; base: string };
  },
  env: NodeJS.ProcessEnv,
): Promise<ChildWorker> {
  const child = spawn(
    process.execPath,
    ['--experimental-transform-types', '--no-warnings', '--import', path.join(here, 'ts-loader.mjs'), path.join(here, 'worker-child.ts')],
    {
      cwd: root,
      env: { ...env, NODE_OPTIONS: '', DECKHAND_TEST_WORKER: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 20000);
    const check = () => {
      if (out.includes('ready\n')) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`worker exited ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    pid: child.pid!,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
