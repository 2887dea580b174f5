// Fault case 1 (issue 18): a worker killed -9 mid-flag-edit (during the push, and during the deploy of the
// commit) and mid-rollback: reported in chat (≤ 60 s with production intervals; seconds here), lock freed,
// checkout clean with no worktree or branch left, history says interrupted, not run again.
// The mid-deploy kill is test/deploy-crash.test.ts. Scenarios: test/faults/scenarios/worker-kill.ts.
import { expect, it } from '@jest/globals';
import { workerKillScenario, type KillPoint } from './scenarios/worker-kill.js';

const cases: [KillPoint, RegExp, number][] = [
  ['flag', /^alice: deploy of superset staging by alice \(job \d+\) was INTERRUPTED after \S+: its worker stopped .*Not re-run/, 1],
  ['flag-push', /^alice: deploy of superset staging by alice \(job \d+\) was INTERRUPTED after \S+: its worker stopped .*Not re-run/, 0],
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
    expect(f.saysEditCutShort).toBe(point === 'flag-push');
  },
  50_000,
);
