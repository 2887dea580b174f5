import { verbsAllowed } from '../auth/can.js';
import { DirectoryUnavailableError } from '../core/errors.js';
import { LOGIN } from '../core/parts.js';
import { defineVerb } from './verb.js';

export const whoami = defineVerb({
  verb: 'whoami',
  scope: 'global',
  mutating: false,
  environment: 'none',
  usage: 'whoami',
  summary: 'who the bot thinks you are: network account → directory user → groups → what you may run',
  parse: () => ({}),
  async check(ctx) {
    const id = ctx.identity;
    const start = `${id.network} ${id.nick}`;
    if (!id.account) {
      return { lines: [[`${start}, not logged in to services: public commands only; for more, `, LOGIN]] };
    }
    let who;
    try {
      who = await ctx.access.identify(id);
    } catch (e) {
      if (e instanceof DirectoryUnavailableError) return { lines: [`${start} (account ${id.account}) → directory unavailable, try again`] };
      throw e;
    }
    if (!who.user) return { lines: [`${start} (account ${id.account}) → no directory user: public commands only`] };
    const groups = who.groups?.length ? `groups ${who.groups.join(', ')}` : 'no groups';
    const may = ctx.registry.names().map(
      (svc) =>
        `${svc}: ${verbsAllowed(ctx.config, who, svc, ctx.verbs)
          .map((v) => v.verb)
          .join(' ')}`,
    );
    return {
      lines: [`${start} (account ${id.account}) → directory user ${who.user} → ${groups}`, `may run — ${may.join('; ')}`],
    };
  },
});
