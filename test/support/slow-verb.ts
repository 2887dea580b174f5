// A verb that takes a while on the worker and answers with its tag: `<service> slow <ms> <tag>`. For
// tests where replies must come while no gateway holds IRC (a leader killed mid-command).
import { UsageError } from '../../src/core/errors.js';
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
