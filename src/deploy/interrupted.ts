// The `interrupted` hook of every verb that runs through the deploy engine. Its worker died (BullMQ
// failed the job as stalled): stop what it left running on this host, free the lock now rather than at
// its TTL, tell the channels that saw it start. Never re-run it.
import { DeployStore } from './store.js';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { cmd, line, type Line } from '../core/parts.js';
import type { RedisScope } from '../core/scope.js';
import type { JobData, OutgoingMessage } from '../core/types.js';
import { announcements } from './format.js';
import { groupAlive, stopGroup } from './process.js';
import { parseStepKey, stepName } from './rollout.js';
import { clock, humanDuration } from './time.js';

export async function deployInterrupted(
  ctx: { config: Config; scope: RedisScope; post(msg: OutgoingMessage): Promise<void> },
  data: Pick<JobData, 'kind' | 'replyTo'>,
  jobId: string,
  reason: string,
): Promise<Line[]> {
  const o = { jobId, kind: data.kind, reason, replyTo: data.replyTo };
  const store = new DeployStore(ctx.scope);
  const r = await store.running(o.jobId);
  if (!r) return [`${o.kind} job ${o.jobId} stopped: its worker died (${o.reason}); it is not re-run — say it again if it is still needed`];
  let what = '';
  let keepLockUntil: number | undefined;
  if (r.pgid) {
    if (r.host === hostname()) {
      if (groupAlive(r.pgid)) {
        await stopGroup(r.pgid, ctx.config.deploy.killGraceSeconds * 1000);
        what = `; the helmfile/helm it left running (process group ${r.pgid}) was stopped`;
      }
    } else {
      // it cannot be stopped from here: keep others out for as long as it could still run
      keepLockUntil = Date.now() + ctx.config.deploy.timeoutMinutes * 60_000;
      what = `; its helmfile/helm may still be running on ${r.host} (process group ${r.pgid}): ${r.service} ${r.environment} stays locked until ${clock(keepLockUntil)}`;
    }
  }
  if (keepLockUntil) await store.renew(r.service, r.environment, r.jobId, keepLockUntil - Date.now());
  else await store.release(r.service, r.environment, r.jobId);
  await store.clearRunning(r.jobId);
  const label = `${r.service} ${r.environment}`;
  const lines: Line[] = [
    line`${r.verb} of ${label} by ${r.user} (job ${r.jobId}) was INTERRUPTED after ${humanDuration(Date.now() - r.startedAt)}: its worker stopped (${o.reason})${what}. Not re-run: check ${cmd(`${r.service} status ${r.environment}`)} and deploy again if needed`,
  ];
  if (r.rollout)
    lines.push(
      `rollout ${r.rollout.group} stopped at ${label} (step ${r.rollout.index + 1}/${r.rollout.total}); ${r.rollout.remaining.length ? `not started: ${r.rollout.remaining.map((k) => stepName(parseStepKey(k))).join(', ')}` : 'it was the last step'}`,
    );
  if (r.announced) {
    const end = `${label}: ${r.verb} by ${r.user} INTERRUPTED (worker stopped); not re-run`;
    await Promise.all(announcements(ctx.config, r.service, [end], o.replyTo).map((m) => ctx.post(m).catch(() => {})));
  }
  return lines;
}
