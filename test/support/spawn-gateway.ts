import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// the TypeScript sources, also when this runs compiled (the benchmark runs from dist/)
const compiled = path.dirname(fileURLToPath(import.meta.url));
const here = existsSync(path.join(compiled, 'gateway-child.ts')) ? compiled : path.resolve(compiled, '../../../test/support');
const root = path.resolve(here, '../..');

export interface ChildGateway {
  child: ChildProcess;
  output(): string;
  /** Resolves once the child says it leads (holds the lease and IRC). */
  leading(timeoutMs: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start test/support/gateway-child.ts in its own Node process; resolves once it has started (leader or standby). */
export async function spawnGateway(spec: { prefix: string; config: unknown; password?: string }, env: NodeJS.ProcessEnv = process.env): Promise<ChildGateway> {
  const child = spawn(
    process.execPath,
    ['--experimental-transform-types', '--no-warnings', '--import', path.join(here, 'ts-loader.mjs'), path.join(here, 'gateway-child.ts')],
    { cwd: root, env: { ...env, NODE_OPTIONS: '', DECKHAND_TEST_GATEWAY: JSON.stringify(spec) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const waitFor = (word: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`gateway: no "${word}" within ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const check = () => {
        if (out.includes(`${word}\n`)) {
          clearTimeout(t);
          resolve();
        }
      };
      check();
      child.stdout!.on('data', check);
      void exited.then(() => (clearTimeout(t), reject(new Error(`gateway exited:\n${out}`))));
    });
  await waitFor('ready', 25_000);
  return {
    child,
    output: () => out,
    leading: (ms) => waitFor('leader', ms),
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
