// A worker killed with SIGKILL in the middle of a deploy: the job is reported interrupted (not re-run),
// the helmfile it left behind is stopped, the lock freed, the channels that saw the start are told.
// The worker runs in its own Node process; a second worker (in this process) notices the stalled job.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { bullPrefix } from '../src/core/scope.js';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { ServiceRegistry } from '../src/core/registry.js';
import { DeployStore } from '../src/deploy/store.js';
import { COMMAND_QUEUE } from '../src/jobs/queues.js';
import { verbRunner } from '../src/handlers/execute.js';
import { allVerbs } from '../src/handlers/index.js';
import { systemClock } from '../src/maintenance/clock.js';
import { startWorker } from '../src/jobs/worker.js';
import type { KubeClient } from '../src/kube/client.js';
import { OPS_CHANNEL, REQUEST_CHANNEL, SECRET_ENV, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { spawnWorker, type ChildWorker } from './support/spawn-worker.js';

let h: Harness;
let child: ChildWorker | undefined;
let second: ReturnType<typeof startWorker> | undefined;

beforeAll(async () => {
  h = await startDeployHarness({ role: 'gateway' });
});
afterAll(async () => {
  await child?.kill('SIGKILL');
  await second?.close();
  await h?.stop();
});

it('reports a deploy whose worker was killed -9 as interrupted (≤ 60 s with default intervals; seconds here), frees the lock, never re-runs it', async () => {
  child = await spawnWorker(
    // short job lock and stalled-check interval (production: 30 s + 30 s); the check's interval is shared
    // through Redis by all workers, so both workers get it
    { prefix: h.prefix, config: h.config, lockDurationMs: 2000, stalledIntervalMs: 1000 },
    { ...process.env, PATH: h.tools.pathEnv, [SECRET_ENV]: h.tools.secret },
  );
  h.tools.control({ applySleep: 60, spawnChild: true });
  h.chat.say('alice', '!superset deploy staging');
  await h.chat.waitFor(/^superset staging: applying release staging, waiting for the rollout$/, 20000);
  const apply = await until(() => h.tools.calls().find((c) => c.sub === 'apply' && c.childPid));
  const store = new DeployStore({ connection: h.app.redis, prefix: h.prefix });
  expect((await store.holder('superset', 'staging'))?.pgid).toBe(apply.pid);

  await child.kill('SIGKILL');
  const killedAt = Date.now();
  // the orphaned helmfile is still running: nobody has cleaned up yet
  expect(alive(apply.pid)).toBe(true);

  // another worker, with a short stalled-job check (production: 30 s lock + 30 s check)
  second = startWorker({
    queues: h.app.queues,
    runner: verbRunner(allVerbs, {
      config: h.config,
      registry: new ServiceRegistry(h.config),
      kube: {} as KubeClient,
      access: h.app.access,
      clock: systemClock,
      scope: h.app.queues,
    }),
    log: pino({ level: 'silent' }),
    stalledIntervalMs: 1000,
  });
  const told = await h.chat.waitFor(/^alice: deploy of superset staging by alice \(job \d+\) was INTERRUPTED/, 60000);
  expect(Date.now() - killedAt).toBeLessThan(10000);
  expect(told.target).toBe(REQUEST_CHANNEL);
  expect(told.line).toMatch(
    /^alice: deploy of superset staging by alice \(job (\d+)\) was INTERRUPTED after \S+: its worker stopped \(job stalled more than allowable limit\); the helmfile\/helm it left running \(process group \d+\) was stopped\. Not re-run: check !superset status staging and deploy again if needed$/,
  );
  expect(h.chat.lines(OPS_CHANNEL).at(-1)).toBe('superset staging: deploy by alice INTERRUPTED (worker stopped); not re-run');
  expect(alive(apply.pid)).toBe(false);
  expect(alive(apply.childPid!)).toBe(false);
  expect(await store.holder('superset', 'staging')).toBeUndefined();

  // not run again, and recorded as failed
  await new Promise((r) => setTimeout(r, 2500));
  expect(h.tools.calls().filter((c) => c.sub === 'apply')).toHaveLength(1);
  const jobId = /\(job (\d+)\)/.exec(told.line)![1]!;
  const q = new Queue(COMMAND_QUEUE, { connection: h.app.redis, prefix: bullPrefix(h.prefix, COMMAND_QUEUE) });
  expect(await (await q.getJob(jobId))!.getState()).toBe('failed');
  await q.close();

  // and the environment can be deployed again at once
  h.tools.control({ applySleep: 0, spawnChild: false });
  h.chat.say('alice', '!superset deploy staging');
  await h.chat.waitFor(/^alice: deployed superset staging/, 20000);
}, 90000);

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until<T>(f: () => T | undefined, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
