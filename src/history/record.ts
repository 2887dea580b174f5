// What the job history keeps of a JobResult: the outcome, what changed, and the full log.
import type { JobResult } from '../core/types.js';
import type { QueueContext } from '../jobs/queues.js';
import type { JobRecord, JobStatus } from './store.js';

/** Deploy results carry their record (src/deploy/engine.ts); read it without depending on it. */
interface WithDeploy {
  deploy?: { outcome?: string; revisions?: Record<string, number> };
}

export function historyOutcome(result: JobResult): JobStatus {
  if (result.ok) return 'succeeded';
  return (result as WithDeploy).deploy?.outcome === 'cancelled' ? 'cancelled' : 'failed';
}

/** `changed` as the job reported it, else the helm revisions a deploy recorded (`release=12`). */
export function changedOf(result: JobResult): JobRecord['changed'] | undefined {
  if (result.changed && (result.changed.commit || result.changed.helmRevision)) return result.changed;
  const revs = (result as WithDeploy).deploy?.revisions;
  if (revs && Object.keys(revs).length) return { helmRevision: Object.entries(revs).map(([rel, n]) => `${rel}=${n}`).join(', ') };
  return undefined;
}

/** The full log: given inline, else the Redis list the job wrote (`logRef`), else the lines it answered with. */
export async function logOf(result: JobResult, queues: QueueContext): Promise<string | string[] | undefined> {
  if (result.log !== undefined) return result.log;
  if (result.logRef && /^[A-Za-z0-9:_-]{1,200}$/.test(result.logRef)) {
    const key = `${queues.prefix}:${result.logRef}`;
    if ((await queues.connection.type(key)) === 'list') {
      const lines = await queues.connection.lrange(key, -20000, -1);
      if (lines.length) return lines;
    }
  }
  return result.lines.length ? result.lines : undefined;
}
