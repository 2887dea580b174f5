// Issue 7 figure: jobsQueryMs — `!jobs superset --limit 10` answered over a 10,000-job history (p50).
import { Redis } from 'ioredis';
import { ServiceRegistry } from '../src/core/registry.js';
import { jobs } from '../src/handlers/jobs.js';
import type { GatewayContext as HandlerContext } from '../src/handlers/verb.js';
import { HistoryStore } from '../src/history/store.js';
import { exampleConfig } from '../test/support/config.js';
import { seedHistory } from '../test/support/history.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../test/support/redis.js';
import { ms, percentile, round } from './stats.js';

export async function benchHistory(records = 10_000, runs = 500): Promise<Record<string, unknown>> {
  const prefix = freshPrefix('bench-history');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const store = new HistoryStore({ connection: redis, prefix });
    await seedHistory(store, records);
    const config = exampleConfig();
    // The handler as the gateway calls it: argument parsing, the indexed query, the records, the lines.
    const ctx = {
      command: { service: '', verb: 'jobs', args: ['superset', '--limit', '10'], requestId: 'bench' },
      message: { network: 'irc', channel: '#bench', isPrivate: false, sender: { id: 'b', nick: 'b' }, text: 'jobs superset --limit 10' },
      identity: { network: 'irc', nick: 'b' },
      config,
      registry: new ServiceRegistry(config),
      access: {} as HandlerContext['access'],
      verbs: [],
      history: { store },
    } as HandlerContext;
    // parse (once, as the gateway does), then the query and the lines
    const answer = () => jobs.check!(ctx, jobs.parse({ command: ctx.command, config, registry: ctx.registry, now: Date.now() }));
    for (let i = 0; i < 50; i++) await answer();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      const out = await answer();
      times.push(ms(t));
      if (!out || out.lines.length !== 10) throw new Error(`unexpected answer: ${JSON.stringify(out)}`);
    }
    return {
      jobsQueryMs: {
        p50Ms: round(percentile(times, 50), 2),
        p99Ms: round(percentile(times, 99), 2),
        records,
        runs,
        goal: '<= 10 ms',
        note: 'the `jobs` handler on the real Redis: one ZREVRANGEBYSCORE on the service index plus 10 HGETALLs in one pipeline',
      },
    };
  } finally {
    redis.disconnect();
    await dropPrefix(prefix);
  }
}
