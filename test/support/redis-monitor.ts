// Every command Redis runs, seen from outside through redis-cli's MONITOR, a process of its own.
// ioredis's monitor() fails now and then ("Command queue state error") when another test file keeps Redis
// busy: a feed line that comes in the same read as MONITOR's OK is taken for a reply.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface RedisMonitor {
  /** Stops watching; the commands kept, each as its arguments. */
  stop(): Promise<string[][]>;
}

/** `1796148160.872806 [0 127.0.0.1:5555] "HGET" "key" "field"` → ['HGET', 'key', 'field']. */
export function monitorArgs(line: string): string[] | undefined {
  const at = line.indexOf('] ');
  if (at < 0) return undefined;
  return [...line.slice(at + 2).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

/** Starts watching; resolves once Redis has answered OK to MONITOR. Keeps the commands `keep` accepts. */
export async function monitorRedis(url: string, keep: (args: string[]) => boolean): Promise<RedisMonitor> {
  const cli = spawn('redis-cli', ['-u', url, 'monitor'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const seen: string[][] = [];
  const exited = once(cli, 'exit');
  await new Promise<void>((resolve, reject) => {
    cli.once('error', reject);
    void exited.then(([code]) => reject(new Error(`redis-cli monitor exited (${String(code)})`)));
    createInterface({ input: cli.stdout! }).on('line', (line) => {
      if (line === 'OK') return resolve();
      const args = monitorArgs(line);
      if (args && keep(args)) seen.push(args);
    });
  });
  return {
    async stop() {
      cli.kill();
      await exited;
      return seen;
    },
  };
}
