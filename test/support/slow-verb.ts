// A verb that takes a while on the worker and answers with its tag: `<service> slow <ms> <tag>`. For
// tests where replies must come while no gateway holds IRC (a leader killed mid-command).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { UsageError } from '../../src/core/errors.js';
import { bullPrefix } from '../../src/core/scope.js';
import { COMMAND_QUEUE } from '../../src/jobs/queues.js';
import { defineVerb } from '../../src/handlers/verb.js';
import { allVerbs } from '../../src/handlers/index.js';

export const slow = defineVerb({
  verb: 'slow',
  scope: 'service',
  mutating: false,
  environment: 'none',
  anonymous: true,
  usage: '<service> slow <ms> <tag>',
  summary: 'answers "<tag> done" after <ms> milliseconds (tests)',
  parse({ command }) {
    const [ms, tag, ...rest] = command.args;
    if (!ms || !/^\d{1,5}$/.test(ms) || !tag || !/^[a-z0-9-]{1,20}$/.test(tag) || rest.length) throw new UsageError('slow <ms> <tag>');
    return { ms: Number(ms), tag };
  },
  async run(_ctx, { ms, tag }) {
    await new Promise((r) => setTimeout(r, ms));
    return { ok: true, summary: `${tag} done`, lines: [`${tag} done`] };
  },
});

export const verbsWithSlow = [...allVerbs, slow];

/** Wait until a slow command of each tag is on the command queue (waiting, running or done): the gateway took them. */
export async function waitSlowQueued(redis: Redis, prefix: string, tags: string[], timeoutMs = 5000): Promise<void> {
  const commands = new Queue(COMMAND_QUEUE, { connection: redis, prefix: bullPrefix(prefix, COMMAND_QUEUE) });
  try {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const jobs = await commands.getJobs(['active', 'wait', 'completed']);
      if (tags.every((t) => jobs.some((j) => (j.data as { args?: { tag?: string } }).args?.tag === t))) return;
      if (Date.now() > deadline) throw new Error(`the gateway did not queue the slow commands ${tags.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await commands.close();
  }
}
