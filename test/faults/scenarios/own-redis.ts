// A redis-server of a test's own, with the append-only file on (appendfsync everysec, as a production
// Redis that keeps its data would run), on a free port, restartable on the same port and directory:
// stopped gracefully (SHUTDOWN: the AOF is flushed) or killed -9 (up to a second or two of writes lost).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitPing } from '../../support/redis-ha.js';

const HOST = '127.0.0.1';

export interface OwnRedis {
  port: number;
  url: string;
  /** SHUTDOWN (the AOF is written and synced first); resolves once the process is gone. */
  shutdown(): Promise<void>;
  /** SIGKILL: what was not yet synced to the AOF is lost. */
  kill9(): Promise<void>;
  /** Start again on the same port and directory (the AOF is loaded); resolves once it answers PING. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'dh-aof-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no'];
  let child: ChildProcess | undefined;
  const gone = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    child.on('error', () => {});
    await waitPing(port, 15_000); // the AOF is read back first (LOADING)
  };
  await start();
  const own: OwnRedis = {
    port,
    url: `redis://${HOST}:${port}`,
    async shutdown() {
      const c = child!;
      const r = new Redis({ host: HOST, port, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {});
      await r.shutdown().catch(() => {}); // the connection closes as the server goes
      r.disconnect();
      await gone(c);
    },
    async kill9() {
      const c = child!;
      c.kill('SIGKILL');
      await gone(c);
    },
    start,
    async stop() {
      if (child) {
        child.kill('SIGKILL');
        await gone(child);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return own;
}
