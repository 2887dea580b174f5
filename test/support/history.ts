import type { JobData } from '../../src/core/types.js';
import type { HistoryStore, JobStatus } from '../../src/history/store.js';

/** The JobData of a made-up job. */
export function jobData(o: { kind?: string; service?: string; env?: string; nick?: string; user?: string; at: number; args?: string[] }): JobData {
  const nick = o.nick ?? 'alice';
  return {
    kind: o.kind ?? 'deploy',
    command: {
      service: o.service ?? 'superset',
      verb: o.kind ?? 'deploy',
      ...(o.env ? { environment: o.env } : {}),
      args: o.args ?? [],
      requestId: `r-${o.at}`,
    },
    args: {},
    requester: { network: 'irc', nick, account: nick, ...(o.user ? { user: o.user } : {}) },
    replyTo: { network: 'irc', target: '#analytics', nick },
    queuedAt: o.at,
  };
}

/** `n` finished jobs, one every ~4 minutes up to `now`: 4 services (superset twice as often), several kinds, users and statuses. */
export async function seedHistory(s: HistoryStore, n: number, now = Date.now()): Promise<void> {
  const services = ['superset', 'airflow-search', 'airflow-test-k8s', 'paws', 'superset'];
  const kinds = ['deploy', 'status', 'restart', 'diff'];
  const users = ['alice', 'bob', 'carol', 'dave'];
  const statuses: JobStatus[] = ['succeeded', 'succeeded', 'succeeded', 'failed', 'denied'];
  for (let start = 1; start <= n; start += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - start + 1) }, (_, k) => {
        const i = start + k;
        const d = jobData({
          kind: kinds[i % 4]!,
          service: services[i % 5]!,
          ...(i % 3 ? { env: 'production' } : {}),
          nick: users[i % 4]!,
          at: now - (n - i) * 250_000,
        });
        return s.finished(String(i), d, { status: statuses[i % 5]!, summary: `job ${i}`, at: d.queuedAt + 5000, startedAt: d.queuedAt + 100 });
      }),
    );
  }
}
