// The `interrupted` hook of the verbs that edit the deployment-charts checkout (flag, upgrade): what
// every deploy-engine job does (src/deploy/interrupted.ts), and the job's git worktree removed at once
// when its worker died in the middle of the edit (the checkout's branch had not moved yet), saying what
// became of the commit it had made.
import type { Config } from '../config/schema.js';
import type { Line } from '../core/parts.js';
import type { RedisScope } from '../core/scope.js';
import type { JobData, OutgoingMessage } from '../core/types.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { gitSettings } from './config.js';
import { removeJobWorktrees, type LeftBehind } from './git.js';

export async function chartsChangeInterrupted(
  ctx: { config: Config; scope: RedisScope; post(msg: OutgoingMessage): Promise<void> },
  data: Pick<JobData, 'kind' | 'replyTo'>,
  jobId: string,
  reason: string,
): Promise<Line[]> {
  const lines = await deployInterrupted(ctx, data, jobId, reason);
  const dc = ctx.config.deploymentCharts;
  const left: LeftBehind = dc ? await removeJobWorktrees(gitSettings(dc), jobId).catch(() => ({ worktrees: 0 })) : { worktrees: 0 };
  if (!left.worktrees || !dc) return lines;
  const where = `${dc.remote}/${dc.branch}`;
  const c = left.commit;
  lines.push(
    !c
      ? 'its edit of the values file was cut short before a commit (its worktree is removed); nothing was deployed'
      : c.onRemote
        ? `its commit ${c.id.slice(0, 12)} reached ${where} but was NOT deployed${c.checkoutHasIt ? ' (the checkout is at it now)' : ''}: deploy it, or revert it`
        : `its edit was cut short before the deploy (its worktree is removed): commit ${c.id.slice(0, 12)} was not on ${where} yet, but a push that was under way may still land there`,
  );
  return lines;
}
