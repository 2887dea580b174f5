// `deckhand jobs …` and `deckhand job N`: the job history from a shell, with the filters of `!jobs` and `--json` for scripts.
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { UsageError } from '../core/errors.js';
import { checkRedis, createRedis } from '../core/redis.js';
import { ServiceRegistry } from '../core/registry.js';
import { stripAnsi } from '../core/ansi.js';
import { buildQuery, describeQuery, jobLine } from './format.js';
import { HistoryStore } from './store.js';

export interface HistoryCliOptions {
  /** Reads the configuration the same way the bot does (`--config`, $DECKHAND_CONFIG, …). */
  loadConfig(given?: string): Config;
  out?: NodeJS.WritableStream;
}

async function withStore<T>(config: Config, f: (store: HistoryStore) => Promise<T>): Promise<T> {
  await checkRedis(config.redis);
  const redis = createRedis(config.redis);
  try {
    return await f(new HistoryStore({ connection: redis, prefix: config.redis.prefix }));
  } finally {
    redis.disconnect();
  }
}

export function addHistoryCommands(program: Command, o: HistoryCliOptions): void {
  const out = o.out ?? process.stdout;
  program
    .command('jobs')
    .description('job history, newest first (the filters of !jobs)')
    .argument('[service]', 'only this service')
    .argument('[env]', 'only this environment of the service')
    .option('--user <user>', 'requested by this directory user, account or nick')
    .option('--status <status>', 'queued, running, succeeded, failed, cancelled, interrupted or denied')
    .option('--kind <kind>', 'job kind: deploy, status, restart…')
    .option('--since <age>', 'newer than this: 30m, 12h, 2d, 1w')
    .option('--limit <n>', 'at most this many (default 20)')
    .option('--json', 'one JSON document: the records, for scripts')
    .action(
      async (
        service: string | undefined,
        env: string | undefined,
        opts: { user?: string; status?: string; kind?: string; since?: string; limit?: string; json?: boolean },
        cmd: Command,
      ) => {
        const config = o.loadConfig((cmd.optsWithGlobals() as { config?: string }).config);
        const q = buildQuery(
          {
            ...(service ? { service } : {}),
            ...(env ? { environment: env } : {}),
            ...(opts.user ? { user: opts.user } : {}),
            ...(opts.status ? { status: opts.status } : {}),
            ...(opts.kind ? { kind: opts.kind } : {}),
            ...(opts.since ? { since: opts.since } : {}),
            ...(opts.limit ? { limit: opts.limit } : {}),
          },
          new ServiceRegistry(config),
          { defaultLimit: 20, maxLimit: 10_000 },
        );
        const rows = await withStore(config, (s) => s.query(q));
        if (opts.json) out.write(JSON.stringify(rows, null, 2) + '\n');
        else if (!rows.length) out.write(`no jobs match (${describeQuery(q)})\n`);
        else for (const r of rows) out.write(jobLine(r) + '\n');
      },
    );
  program
    .command('job')
    .description('one job in detail (and its log with --log)')
    .argument('<id>', 'job number, as in #42')
    .option('--log', 'print the full stored log')
    .option('--json', 'the record (and log) as JSON')
    .action(async (raw: string, opts: { log?: boolean; json?: boolean }, cmd: Command) => {
      const m = /^#?(\d{1,12})$/.exec(raw);
      if (!m) throw new UsageError(`"${raw}" is not a job number`);
      const config = o.loadConfig((cmd.optsWithGlobals() as { config?: string }).config);
      const id = Number(m[1]);
      const [rec, log] = await withStore(config, async (s) => [await s.get(id), opts.log || opts.json ? await s.log(id) : undefined] as const);
      if (!rec) throw new UsageError(`no job #${id}`);
      if (opts.json) return void out.write(JSON.stringify({ ...rec, ...(log ? { log } : {}) }, null, 2) + '\n');
      out.write(jobLine(rec) + '\n');
      if (rec.summary) out.write(`  ${stripAnsi(rec.summary)}\n`);
      if (opts.log) for (const l of log ?? []) out.write(stripAnsi(l) + '\n');
    });
}
