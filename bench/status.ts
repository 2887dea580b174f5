// Issue 2 figures: statusLatency (+ floor), statusJobsPerSecond, bigStatusMs, rssMb; issue 17: rssMbByRole (all, gateway, worker).
import { spawn, type ChildProcess } from 'node:child_process';
import { bullPrefix } from '../src/core/scope.js';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { Access } from '../src/auth/access.js';
import { ServiceRegistry } from '../src/core/registry.js';
import type { JobData } from '../src/core/types.js';
import { COMMAND_QUEUE, commandQueue } from '../src/jobs/queues.js';
import { createRedis, type RedisSettings } from '../src/core/redis.js';
import { verbRunner } from '../src/handlers/execute.js';
import { allVerbs } from '../src/handlers/index.js';
import { systemClock } from '../src/maintenance/clock.js';
import { startWorker } from '../src/jobs/worker.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { configContexts } from '../src/kube/contexts.js';
import { assessEnvironment, formatEnvironment } from '../src/kube/summarize.js';
import { manyPods } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from '../test/support/config.js';
import { connectClient, startIrcd } from '../test/support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../test/support/redis.js';
import { ms, percentile, round } from './stats.js';

const CHANNEL = '#bench';
const ROOT = new URL('../..', import.meta.url).pathname;

function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? round(Number(m[1]) / 1024, 1) : NaN;
}

const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
/** How long a process sits unasked before its settled idle memory is read. */
const SETTLE_MS = 10_000;

export async function benchStatus(n = 300): Promise<Record<string, unknown>> {
  const ircd = await startIrcd();
  const api = await startFakeKubeApi({ host: '127.0.0.1', port: 0 });
  // 2 environments × 50 pods
  api.setPods('superset', manyPods(50, 'superset', { app: 'superset' }));
  api.setPods('superset-next', manyPods(50, 'superset-next', { app: 'superset' }));
  const prefix = freshPrefix('bench');
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-bench-'));
  const bots: ChildProcess[] = [];
  const stopBots = async () => {
    for (const b of bots) b.kill('SIGTERM');
    await sleep(300);
    for (const b of bots.splice(0)) b.kill('SIGKILL');
  };
  try {
    const config = exampleConfig({
      redis: { url: REDIS_URL, prefix },
      // Bench clients: the ircd's fake lag is off (connect class), and the bot's own pacing is opened wide.
      irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL], rate: { burst: 1000, perSecond: 10000 } },
    });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeConfigForUrl(api.url, configContexts(config)).exportConfig());
    const raw = { ...config, kubernetes: { kubeconfig, timeoutMs: 5000 } };
    writeFileSync(join(dir, 'deckhand.yaml'), stringify(raw));
    // with the V8 flags it is deployed with (package.json config.nodeFlags: npm start, the Dockerfile)
    const flags = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config: { nodeFlags: string } }).config.nodeFlags.split(' ');
    // Each role runs as its own process, as deployed, so its memory is its own.
    const spawnRole = (role: 'all' | 'gateway' | 'worker') => {
      const p = spawn(process.execPath, [...flags, join(ROOT, 'dist/src/main.js'), role, '--config', join(dir, 'deckhand.yaml')], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      let err = '';
      p.stderr!.on('data', (d) => (err += d));
      bots.push(p);
      return { p, err: () => err };
    };

    const [user, echo] = await Promise.all([connectClient(ircd, { nick: 'bencher' }), connectClient(ircd, { nick: 'echo' })]);
    await Promise.all([user.join(CHANNEL), echo.join(CHANNEL)]);
    const answering = async (procs: { p: ChildProcess; err: () => string }[]) => {
      for (let i = 0; i < 100; i++) {
        user.clearMessages();
        user.say(CHANNEL, '!superset status production');
        try {
          await user.waitFor((m) => m.from === 'deckhand', 300);
          return;
        } catch {
          const dead = procs.find((x) => x.p.exitCode !== null);
          if (dead) throw new Error(`bot exited: ${dead.err()}`);
        }
      }
      throw new Error('the bot never answered');
    };

    // One request → wait for the last line of the reply (2 environments → 2 lines when healthy).
    const roundTrip = async (send: () => void, done: (text: string) => boolean): Promise<number> => {
      return new Promise((resolve) => {
        const start = process.hrtime.bigint();
        const on = (e: { nick: string; message: string }) => {
          if (done(e.message)) {
            user.client.off('privmsg', on);
            resolve(ms(start));
          }
        };
        user.client.on('privmsg', on);
        send();
      });
    };

    // The floor: the same ircd, a client that answers at once after one pod list call.
    const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 5000 });
    echo.client.on('privmsg', (e) => {
      if (e.message !== 'ping') return;
      void kube.listPods('dse-k8s-eqiad', 'superset', 'app=superset').then(() => echo.say(CHANNEL, 'pong'));
    });

    // Alternate blocks of floor and bot rounds, so both see the same machine conditions. Each client hears
    // the other's block without answering it; the ircd leaves Nagle on, so a line to a client whose kernel
    // still holds back the ACK of what it heard (delayed ACK, 40 ms: both clients answered lately, so both
    // are in "interactive" ACK mode) waits for that ACK. A floor block (~40 ms) is shorter than that, a bot
    // block (~140 ms) longer: without a pause only the bot's first round of each block paid for it.
    // A quiet gap after every block, longer than the delayed ACK, gives both the same start.
    const GAP_MS = 150;
    const rounds = async (count: number, warm = 20, block = 20) => {
      const bot_: number[] = [];
      const floor: number[] = [];
      const firstBot: number[] = [];
      const firstFloor: number[] = [];
      for (let i = 0; i < count + warm; i += block) {
        for (let j = 0; j < block; j++) {
          const f = await roundTrip(
            () => user.say(CHANNEL, 'ping'),
            (t) => t === 'pong',
          );
          if (i >= warm) (floor.push(f), j === 0 && firstFloor.push(f));
        }
        await sleep(GAP_MS);
        for (let j = 0; j < block; j++) {
          const b = await roundTrip(
            () => user.say(CHANNEL, '!superset status'),
            (t) => t.startsWith('superset staging:'),
          );
          if (i >= warm) (bot_.push(b), j === 0 && firstBot.push(b));
        }
        await sleep(GAP_MS);
      }
      return { bot: bot_, floor, firstBot, firstFloor };
    };

    // the `all` role: statusLatency and its memory
    const all = spawnRole('all');
    await answering([all]);
    await sleep(500);
    const allIdle = rssMb(all.p.pid!);
    await sleep(SETTLE_MS);
    const allSettled = rssMb(all.p.pid!);
    const r = await rounds(n);
    const allAfter = rssMb(all.p.pid!);
    await stopBots();

    // gateway + worker as separate processes (as deployed with more than one): memory per role, a shorter run
    const gateway = spawnRole('gateway');
    const worker = spawnRole('worker');
    await answering([gateway, worker]);
    await sleep(500);
    const gatewayIdle = rssMb(gateway.p.pid!);
    const workerIdle = rssMb(worker.p.pid!);
    await sleep(SETTLE_MS);
    const gatewaySettled = rssMb(gateway.p.pid!);
    const workerSettled = rssMb(worker.p.pid!);
    const split = await rounds(100);
    const gatewayAfter = rssMb(gateway.p.pid!);
    const workerAfter = rssMb(worker.p.pid!);

    const p = (xs: number[], q: number) => round(percentile(xs, q));
    const statusLatency = {
      n,
      p50Ms: p(r.bot, 50),
      p99Ms: p(r.bot, 99),
      floorP50Ms: p(r.floor, 50),
      floorP99Ms: p(r.floor, 99),
      overP50Ms: round(percentile(r.bot, 50) - percentile(r.floor, 50)),
      overP99Ms: round(percentile(r.bot, 99) - percentile(r.floor, 99)),
      firstOfBlockP50Ms: p(r.firstBot, 50),
      floorFirstOfBlockP50Ms: p(r.firstFloor, 50),
      gatewayWorkerP50Ms: p(split.bot, 50),
      goal: 'p50 - floorP50 <= 5 ms, p99 - floorP99 <= 25 ms',
      note: `ircd fake lag off (connect class fakelag="no"); bot pacing burst 1000, 10000/s; echo-message off; 20 warm-up rounds dropped; floor and bot rounds alternate in blocks of 20 with ${GAP_MS} ms of quiet after each block (longer than a delayed ACK: neither client's first round waits for the ACK of the other's block it only heard — firstOfBlockP50Ms, floorFirstOfBlockP50Ms); the \`all\` role; gatewayWorkerP50Ms: the same rounds (100) with a gateway and a worker process`,
    };
    const rssMbByRole = {
      all: { idle: allIdle, idleSettled: allSettled, afterLatencyRun: allAfter, goal: 'idle <= 120, after <= 200' },
      gateway: { idle: gatewayIdle, idleSettled: gatewaySettled, afterLatencyRun: gatewayAfter, goal: '<= 80' },
      worker: { idle: workerIdle, idleSettled: workerSettled, afterLatencyRun: workerAfter },
      note: "VmRSS of each process, started as deployed: dist/src/main.js with package.json config.nodeFlags, so with the gateway's V8 profile (src/v8-profile.ts: --no-opt --no-maglev --no-sparkplug --optimize-for-size --bytecode-old-age=3) and src/core/trim-deps.ts; idle = answering, 0.5 s after its first answer; idleSettled = 10 s later with nothing asked (V8 gives back memory some seconds after allocation stops); after = after the rounds of statusLatency (all: 300 + 20 warm-up; gateway and worker: 100 + 20 of the same, as two processes)",
    };
    return {
      statusLatency,
      // the `all` role, as before (figures kept comparable across runs)
      rssMb: { idle: allIdle, afterLatencyRun: allAfter, goal: 'idle <= 120, after <= 200' },
      rssMbByRole,
    };
  } finally {
    await stopBots();
    await ircd.stop();
    await api.close();
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Status jobs per second through one worker on the given Redis. */
export async function jobsPerSecond(settings: RedisSettings, n: number): Promise<number> {
  const api = await startFakeKubeApi({ host: '127.0.0.1', port: 0 });
  api.setPods('superset', manyPods(4, 'superset', { app: 'superset' }));
  api.setPods('superset-next', manyPods(2, 'superset-next', { app: 'superset' }));
  const prefix = freshPrefix('bench-jobs');
  const redis = createRedis(settings);
  const eventsConn = redis.duplicate();
  const config = exampleConfig({ redis: { ...settings, prefix } });
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 5000 });
  const queues = { connection: redis, prefix };
  const commands = commandQueue(queues);
  const events = new QueueEvents(COMMAND_QUEUE, { connection: eventsConn, prefix: bullPrefix(prefix, COMMAND_QUEUE) });
  try {
    await events.waitUntilReady();
    const job = (i: number): JobData => ({
      kind: 'status',
      command: { service: 'superset', verb: 'status', args: [], requestId: String(i) },
      args: { service: 'superset' },
      requester: { network: 'irc', nick: 'bench' },
      replyTo: { network: 'irc', target: '#bench', nick: 'bench' },
      queuedAt: Date.now(),
    });
    await commands.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'status', data: job(i) })));
    let completed = 0;
    const done = new Promise<void>((resolve) => events.on('completed', () => ++completed === n && resolve()));
    const start = performance.now();
    const worker = startWorker({
      queues,
      runner: verbRunner(allVerbs, {
        config,
        registry: new ServiceRegistry(config),
        kube,
        access: new Access(config, undefined),
        clock: systemClock,
        scope: queues,
      }),
      log: pino({ level: 'silent' }),
    });
    await done;
    const seconds = (performance.now() - start) / 1000;
    await worker.close();
    return Math.round(n / seconds);
  } finally {
    await events.close();
    await commands.close();
    await api.close();
    if (!settings.cluster) await dropPrefix(prefix);
    redis.disconnect();
    eventsConn.disconnect();
  }
}

export async function benchJobsPerSecond(n = 3000): Promise<Record<string, unknown>> {
  return {
    statusJobsPerSecond: {
      jobs: n,
      perSecond: await jobsPerSecond({ url: REDIS_URL }, n),
      goal: '>= 1000',
      note: 'one worker (concurrency 16) in the bench process, fake API answering from memory, 2 environments per job; the bench process runs without package.json config.nodeFlags (with its --max-semi-space-size=1 the figure was the same here: 2,255–2,561 against 2,464–2,588)',
    },
  };
}

export function benchBigStatus(): Record<string, unknown> {
  const pods = manyPods(5000, 'superset', { app: 'superset' });
  const ids = { service: 'superset', environment: 'production', namespace: 'superset', selector: 'app=superset' };
  const times: number[] = [];
  let lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const start = process.hrtime.bigint();
    lines = formatEnvironment(assessEnvironment(ids, pods, []));
    times.push(ms(start));
  }
  return { bigStatusMs: { pods: 5000, p50Ms: round(percentile(times.slice(5), 50)), lines: lines.length, goal: '<= 30 ms and <= 3 lines', sample: lines } };
}
