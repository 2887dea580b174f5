// Fault case 1 (issue 18): a worker killed -9 mid-flag-edit (during the push, and during the deploy of the
// commit) and mid-rollback: reported in chat (≤ 60 s with production intervals; seconds here), lock freed,
// checkout clean with no worktree or branch left, history says interrupted, not run again.
// The mid-deploy kill is test/deploy-crash.test.ts. Scenarios: test/faults/scenarios/worker-kill.ts.
import { expect, it } from '@jest/globals';
import { workerKillScenario, type KillPoint } from './scenarios/worker-kill.js';

const cases: [KillPoint, RegExp, number][] = [
  ['flag', /^alice: deploy of superset staging by alice \(job \d+\) was INTERRUPTED after \S+: its worker stopped .*Not re-run/, 1],
  ['flag-push', /^alice: deploy of superset staging by alice \(job \d+\) was INTERRUPTED after \S+: its worker stopped .*Not re-run/, 0],
  ['flag-push-landed', /^alice: deploy of superset staging by alice \(job \d+\) was INTERRUPTED after \S+: its worker stopped .*Not re-run/, 0],
  ['rollback', /^alice: rollback of superset staging by alice \(job \d+\) was INTERRUPTED after \S+: its worker stopped .*Not re-run/, 1],
];

it.each(cases)(
  'worker killed -9 mid-%s: reported, lock freed, checkout clean, history interrupted, no re-run',
  async (point, line, applies) => {
    const f = await workerKillScenario(point);
    expect(f.line).toMatch(line);
    expect(f.reportedMs).toBeLessThan(15_000);
    expect(f.lockFreed).toBe(true);
    expect(f.checkoutClean).toBe(true);
    expect(f.strayWorktrees).toBe(0);
    expect(f.strayBranches).toBe(0);
    expect(f.historyStatus).toBe('interrupted');
    expect(f.applies).toBe(applies);
    expect(f.jobState).toBe('failed');
    if (point === 'flag-push') {
      // the push was under way when the worker died: the report names the commit, and it is the one that landed
      expect(f.editLine).toMatch(
        /^its edit was cut short before the deploy \(its worktree is removed\): commit [0-9a-f]{12} was not on origin\/master yet, but a push that was under way may still land there$/,
      );
      expect(f.remoteGotCommit).toBe(true);
      expect(f.editCommitIsRemote).toBe(true);
    } else if (point === 'flag-push-landed') {
      expect(f.editLine).toMatch(
        /^its commit [0-9a-f]{12} reached origin\/master but was NOT deployed \(the checkout is at it now\): deploy it, or revert it$/,
      );
      expect(f.editCommitIsRemote).toBe(true);
    } else expect(f.editLine).toBeUndefined();
  },
  50_000,
);
