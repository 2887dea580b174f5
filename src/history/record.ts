// What the job history keeps of a JobResult: the outcome, what changed, and the full log.
import { plain } from '../core/parts.js';
import type { JobResult } from '../core/types.js';
import type { RedisScope as QueueContext } from '../core/scope.js';
import type { JobRecord, JobStatus } from './store.js';

export function historyOutcome(result: JobResult): JobStatus {
  if (result.ok) return 'succeeded';
  return result.cancelled ? 'cancelled' : 'failed';
}

/** What the job reported it changed: the git commit made, the helm revisions deployed (`release=12`). */
export function changedOf(result: JobResult): JobRecord['changed'] | undefined {
  if (result.changed && (result.changed.commit || result.changed.helmRevision)) return result.changed;
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
  return result.lines.length ? result.lines.map(plain) : undefined;
}
