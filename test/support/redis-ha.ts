// Redis beyond one server, started on loopback from Debian's redis-server for a test: a Redis Cluster of
// three masters (redis-server --cluster-enabled yes, redis-cli --cluster create), and a Sentinel set-up
// (a master, a replica, three sentinels: redis-server sentinel.conf --sentinel). Ports are free ones
// the OS hands out; every process is stopped and its directory removed by stop().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const HOST = '127.0.0.1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the redis-server on `port` answers PING (not while it is still LOADING its data). */
export async function waitPing(port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      return;
    } catch {
      if (Date.now() > end) throw new Error(`redis on ${port} did not start`);
      await new Promise((res) => setTimeout(res, 100));
    } finally {
      r.disconnect();
    }
  }
}

export interface RedisProcess {
  port: number;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function startServer(args: string[], port: number): RedisProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    port,
    child,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

const base = (port: number, dir: string) => ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];

export interface RedisCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Three masters, all 16384 slots covered; about a second to form. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'dh-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const procs = ports.map((p) =>
    startServer([...base(p, dir), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--cluster-node-timeout', '2000'], p),
  );
  await Promise.all(ports.map((p) => waitPing(p)));
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  // formed once every node says the cluster is ok
  const end = Date.now() + 15_000;
  for (const p of ports) {
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(p), 'cluster', 'info']);
      if (/cluster_state:ok/.test(stdout)) break;
      if (Date.now() > end) throw new Error(`cluster node ${p} not ok:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    nodes: ports.map((port) => ({ host: HOST, port })),
    async stop() {
      await Promise.all(procs.map((p) => p.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisSentinels {
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: { host: string; port: number }[];
  name: string;
  stop(): Promise<void>;
}

/** A master, a replica of it, three sentinels watching it (quorum 2, down after 1 s): a kill of the master fails over in seconds. */
export async function startRedisSentinels(name = 'deckhand'): Promise<RedisSentinels> {
  const dir = await mkdtemp(join(tmpdir(), 'dh-sentinel-'));
  const [mp, rp] = [await freePort(), await freePort()];
  const master = startServer(base(mp, dir), mp);
  const replica = startServer([...base(rp, dir), '--replicaof', HOST, String(mp)], rp);
  await Promise.all([waitPing(mp), waitPing(rp)]);
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const sentinels: RedisProcess[] = [];
  for (const sp of sentinelPorts) {
    const conf = join(dir, `sentinel-${sp}.conf`);
    await writeFile(
      conf,
      [
        `port ${sp}`,
        `bind ${HOST}`,
        `dir ${dir}`,
        `sentinel monitor ${name} ${HOST} ${mp} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 3000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(startServer([conf, '--sentinel'], sp));
  }
  await Promise.all(sentinelPorts.map((p) => waitPing(p)));
  // the replica in sync before anything relies on it
  const end = Date.now() + 15_000;
  for (;;) {
    const { stdout } = await run('redis-cli', ['-p', String(rp), 'info', 'replication']);
    if (/master_link_status:up/.test(stdout)) break;
    if (Date.now() > end) throw new Error(`replica not in sync:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    master,
    replica,
    name,
    sentinels: sentinelPorts.map((port) => ({ host: HOST, port })),
    async stop() {
      await Promise.all([master, replica, ...sentinels].map((p) => p.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
