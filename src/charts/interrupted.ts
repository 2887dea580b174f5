// The `interrupted` hook of the verbs that edit the deployment-charts checkout (flag, upgrade): what
// every deploy-engine job does (src/deploy/interrupted.ts), and the job's git worktree removed at once
// when its worker died in the middle of the edit (the checkout's branch had not moved yet).
import type { Config } from '../config/schema.js';
import type { Line } from '../core/parts.js';
import type { RedisScope } from '../core/scope.js';
import type { JobData, OutgoingMessage } from '../core/types.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { gitSettings } from './config.js';
import { removeJobWorktrees } from './git.js';

export async function chartsChangeInterrupted(
  ctx: { config: Config; scope: RedisScope; post(msg: OutgoingMessage): Promise<void> },
  data: Pick<JobData, 'kind' | 'replyTo'>,
  jobId: string,
  reason: string,
): Promise<Line[]> {
  const lines = await deployInterrupted(ctx, data, jobId, reason);
  const dc = ctx.config.deploymentCharts;
  const left = dc ? await removeJobWorktrees(gitSettings(dc), jobId).catch(() => 0) : 0;
  if (left && dc)
    lines.push(
      `its edit of the values file was cut short before the deploy (its worktree is removed); a push that was under way may still reach ${dc.remote}/${dc.branch}`,
    );
  return lines;
}
