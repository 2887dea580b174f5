// Issue 5 figure: deployOverheadMs, what the bot adds on top of the stand-in helmfile's own run time
// for `deploy staging` (diff + apply), from the message reaching the gateway to the final reply being
// handed to the chat adapter (real Redis, real git checkout, the stand-in on PATH).
import { execa } from 'execa';
import { startDeployHarness } from '../test/support/deploy-harness.js';
import { percentile, round } from './stats.js';

export async function benchDeploy(runs = 30): Promise<Record<string, unknown>> {
  const h = await startDeployHarness();
  try {
    const total: number[] = [];
    const own: number[] = [];
    const spawn: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      h.tools.reset();
      h.chat.clear();
      const t0 = performance.now();
      h.chat.say('alice', '!superset deploy staging');
      await h.chat.waitFor(/^alice: deployed superset staging/);
      const t1 = performance.now();
      const calls = h.tools.calls();
      if (calls.length !== 2) throw new Error(`deploy bench: expected diff + apply, saw ${calls.length} calls`);
      if (i < 3) continue; // warm-up
      total.push(t1 - t0);
      own.push(calls.reduce((s, c) => s + (c.end! - c.start), 0));
    }
    // starting the stand-in itself (bash) falls outside its own clock: measured alone for reference
    for (let i = 0; i < runs; i++) {
      h.tools.reset();
      const t0 = performance.now();
      await execa(`${h.tools.bin}/helmfile`, ['-e', 'dse-k8s-eqiad', 'diff'], {
        cwd: `${h.repo.dir}/helmfile.d/dse-k8s-services/superset-next`,
        reject: false,
      });
      const c = h.tools.calls()[0]!;
      spawn.push(performance.now() - t0 - (c.end! - c.start));
    }
    const overhead = total.map((t, i) => t - own[i]!);
    return {
      deployOverheadMs: {
        runs,
        p50Ms: round(percentile(overhead, 50)),
        totalP50Ms: round(percentile(total, 50)),
        standInOwnP50Ms: round(percentile(own, 50)),
        processStartP50Ms: round(percentile(spawn, 50)),
        goal: 'p50 <= 50 ms',
        note: 'includes starting two stand-in processes (bash), about processStartP50Ms each, which the stand-in cannot clock itself',
      },
    };
  } finally {
    await h.stop();
  }
}
