// Fault case 1: a worker killed with SIGKILL in the middle of a change. The worker runs in a Node process of
// its own (test/support/worker-child.ts); once it is dead a second worker (short stalled-job check) notices
// the stalled job. Kill points:
//   deploy     during helmfile apply
//   flag       a flag edit, during the apply that deploys its commit
//   flag-push  a flag edit, during `git push` (the remote's pre-receive hook takes a while, as a busy
//              Gerrit does): the job's worktree exists, the checkout's branch has not moved yet
//   flag-push-landed  the same, but the push lands (1 s) before the stalled job is noticed
//   rollback   during `helm rollback`
// What a person would check afterwards: the chat line, the lock, `git status --porcelain`, `git worktree
// list`, `git branch`, the job history, and the stand-in helm/helmfile's recorded calls (no second run).
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { bullPrefix } from '../../../src/core/scope.js';
import { ServiceRegistry } from '../../../src/core/registry.js';
import { DeployStore } from '../../../src/deploy/store.js';
import { verbRunner } from '../../../src/handlers/execute.js';
import { allVerbs } from '../../../src/handlers/index.js';
import { COMMAND_QUEUE } from '../../../src/jobs/queues.js';
import { startWorker } from '../../../src/jobs/worker.js';
import type { KubeClient } from '../../../src/kube/client.js';
import { systemClock } from '../../../src/maintenance/clock.js';
import { SECRET_ENV, startDeployHarness } from '../../support/deploy-harness.js';
import { createDeploymentCharts } from '../../support/deployment-charts.js';
import { spawnWorker } from '../../support/spawn-worker.js';
import { quietLog, sleep, until } from './common.js';

export type KillPoint = 'deploy' | 'flag' | 'flag-push' | 'flag-push-landed' | 'rollback';

export interface WorkerKillFigures {
  point: KillPoint;
  /** kill -9 → the INTERRUPTED line in the asker's channel. */
  reportedMs: number;
  line: string;
  lockFreed: boolean;
  /** `git status --porcelain` of the checkout is empty. */
  checkoutClean: boolean;
  /** Worktrees beside the checkout itself (git worktree list), and directories left in the worktrees folder. */
  strayWorktrees: number;
  /** Branches other than master in the checkout. */
  strayBranches: number;
  historyStatus: string | undefined;
  /** helmfile apply / helm rollback runs seen by the stand-in (1 = no re-run; 0 for a kill before the apply). */
  applies: number;
  jobState: string;
  /** The report's line about the edit it cut short (flag-push): the commit it had made and where it is. */
  editLine?: string;
  /** That commit is the one the remote has in the end. */
  editCommitIsRemote?: boolean;
  /** The checkout's master is the remote's (after a push that landed). */
  checkoutAtRemote?: boolean;
  /** flag-push: the push that was in flight reached the remote after all (the orphaned git finished it). */
  remoteGotCommit?: boolean;
}

/** The report's line about an edit it cut short, and whether the commit it names is the remote's. */
function edit(lines: string[], remoteHead: string): Pick<WorkerKillFigures, 'editLine' | 'editCommitIsRemote'> {
  const l = lines.find((x) => /^its (edit|commit)/.test(x));
  if (!l) return {};
  const id = /commit ([0-9a-f]{12})/.exec(l)?.[1];
  return { editLine: l, editCommitIsRemote: !!id && remoteHead.startsWith(id) };
}

const COMMANDS: Record<KillPoint, string> = {
  deploy: '!superset deploy staging',
  flag: '!superset flag alert_reports on staging',
  'flag-push': '!superset flag alert_reports on staging',
  'flag-push-landed': '!superset flag alert_reports on staging',
  rollback: '!superset rollback staging',
};

export async function workerKillScenario(point: KillPoint): Promise<WorkerKillFigures> {
  const dc = createDeploymentCharts();
  const worktrees = path.join(dc.root, 'worktrees');
  mkdirSync(worktrees, { recursive: true });
  const hookMarker = path.join(dc.root, 'push-started');
  const hookDone = path.join(dc.root, 'push-done');
  const pushing = point === 'flag-push' || point === 'flag-push-landed';
  if (pushing) {
    const hook = path.join(dc.remote, 'hooks', 'pre-receive');
    writeFileSync(hook, `#!/bin/sh\ncat >/dev/null\ntouch '${hookMarker}'\nsleep ${point === 'flag-push' ? 10 : 1}\ntouch '${hookDone}'\n`);
    chmodSync(hook, 0o755);
  }
  const h = await startDeployHarness({
    role: 'gateway',
    repo: { dir: dc.checkout, git: (...args: string[]) => dc.git(dc.checkout, ...args), cleanup: () => {} },
    config: { deploymentCharts: { checkout: dc.checkout, push: 'direct', worktrees, committer: { name: 'Deckhand', email: 'deckhand@wikimedia.org' } } },
    edit: (c) => {
      const s = c.services.superset!;
      s.permissions = { ...s.permissions, rollback: ['superset-admins', 'ops'] };
    },
  });
  const log = quietLog();
  let second: ReturnType<typeof startWorker> | undefined;
  const child = await spawnWorker(
    // short job lock and stalled-job check (production: 30 s + 30 s, so ≤ 60 s); the check's interval is shared through Redis
    { prefix: h.prefix, config: h.config, lockDurationMs: 2000, stalledIntervalMs: 1000 },
    { ...process.env, PATH: h.tools.pathEnv, [SECRET_ENV]: h.tools.secret },
  );
  try {
    const sub = point === 'rollback' ? 'rollback' : 'apply';
    h.tools.control({ applySleep: 60, spawnChild: point !== 'rollback' });
    h.chat.say('alice', COMMANDS[point]);
    if (pushing) await until(() => existsSync(hookMarker), 'the push to start', 20_000);
    else await until(() => h.tools.calls().find((c) => c.sub === sub), `the ${sub} to start`, 20_000);
    const store = new DeployStore({ connection: h.app.redis, prefix: h.prefix });

    await child.kill('SIGKILL');
    const killedAt = Date.now();
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
      log,
      history: h.app.history,
      stalledIntervalMs: 1000,
    });
    const told = await h.chat.waitFor(/^alice: .*(INTERRUPTED|stopped: its worker died)/, 60_000);
    const reportedMs = Date.now() - killedAt;
    const jobId = /\(?job (\d+)\)?/.exec(told.line)?.[1] ?? '';

    // no second run, whatever comes
    await sleep(2500);
    if (pushing) await until(() => existsSync(hookDone), 'the orphaned push to end', 15_000);
    const q = new Queue(COMMAND_QUEUE, { connection: h.app.redis, prefix: bullPrefix(h.prefix, COMMAND_QUEUE) });
    const jobState = (await (await q.getJob(jobId))?.getState()) ?? 'missing';
    await q.close();
    const record = jobId ? await h.app.history.get(await h.app.history.idFor(jobId)) : undefined;
    const worktreeList = dc.git(dc.checkout, 'worktree', 'list', '--porcelain');
    const branches = dc.git(dc.checkout, 'branch', '--list', '--format=%(refname:short)').split('\n').filter(Boolean);
    const remoteLog = dc.git(dc.remote, 'log', '-1', '--format=%s', 'master');
    return {
      point,
      reportedMs,
      line: told.line,
      lockFreed: (await store.holder('superset', 'staging')) === undefined,
      checkoutClean: dc.git(dc.checkout, 'status', '--porcelain') === '',
      strayWorktrees: worktreeList.split('\n').filter((l) => l.startsWith('worktree ')).length - 1 + readdirSync(worktrees).length,
      strayBranches: branches.filter((b) => b !== 'master').length,
      historyStatus: record?.status,
      applies: h.tools.calls().filter((c) => c.sub === sub).length,
      jobState,
      ...edit(h.chat.lines(told.target), dc.git(dc.remote, 'rev-parse', 'master').trim()),
      ...(pushing
        ? {
            remoteGotCommit: /enable ALERT_REPORTS/.test(remoteLog),
            checkoutAtRemote: dc.git(dc.checkout, 'rev-parse', 'master').trim() === dc.git(dc.remote, 'rev-parse', 'master').trim(),
          }
        : {}),
    };
  } finally {
    await child.kill('SIGKILL');
    await second?.close();
    await h.stop();
    dc.cleanup();
  }
}
