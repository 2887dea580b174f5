import { grantingGroups, verbsAllowed } from '../auth/can.js';
import { decide } from '../auth/policy.js';
import { DirectoryUnavailableError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { closest } from '../core/suggest.js';
import type { Identity } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import { defineVerb, type GatewayContext as HandlerContext, type Reply as Outcome } from './verb.js';

async function identified(ctx: HandlerContext): Promise<{ who: Identity; note?: string }> {
  try {
    return { who: await ctx.access.identify(ctx.identity) };
  } catch (e) {
    if (e instanceof DirectoryUnavailableError) return { who: ctx.identity, note: 'directory unavailable: showing public commands only' };
    throw e;
  }
}

/** `help <verb>`: usage, what it does, and who may run it on each service. */
function verbHelp(ctx: HandlerContext, name: string): Outcome {
  const specs = ctx.verbs.filter((v) => v.verb === name.toLowerCase());
  if (!specs.length) {
    const choices = closest(name.toLowerCase(), [...new Set(ctx.verbs.map((v) => v.verb))]);
    return { lines: [`no command "${quoteBack(name)}" (did you mean ${choices.join(', ')}?)`] };
  }
  const lines = specs.map((s) => `${s.usage}${s.schedulable ? ' [at <time>]' : ''}: ${s.summary}`);
  const service = specs.find((s) => s.scope === 'service');
  if (service?.schedulable) {
    lines.push(
      `later: end it with at 14:00 UTC, in 2h or tomorrow 09:30 UTC (at most 30 days ahead); <service> scheduled lists them, cancel sched-N drops one`,
    );
  }
  if (service?.mutating) {
    const who = ctx.registry.names().map((svc) => `${svc}: ${grantingGroups(ctx.config, svc, service).join(', ') || 'nobody'}`);
    lines.push(`who may run it — ${who.join('; ')}`);
  }
  return { lines };
}

/** Verbs the asker may run, and how to get more. */
async function overview(ctx: HandlerContext, services: string[]): Promise<Outcome> {
  const { who, note } = await identified(ctx);
  // a global verb that acts on services only for someone who holds what it needs somewhere
  const holds = (key: string): boolean =>
    ctx.registry
      .names()
      .some((svc) =>
        key === 'any'
          ? verbsAllowed(ctx.config, who, svc, ctx.verbs).some((v) => v.mutating)
          : decide(
              ctx.config,
              { service: svc, verb: key, args: [], requestId: '' },
              { verb: key, scope: 'service', mutating: true, environment: 'none', usage: '', summary: '' },
              who,
            ).allowed,
      );
  const globals = ctx.verbs.filter((v) => v.scope === 'global' && (!v.needs || holds(v.needs))).map((v) => v.verb);
  const perService = services.map(
    (svc) =>
      `${svc}: ${verbsAllowed(ctx.config, who, svc, ctx.verbs)
        .map((v) => v.verb)
        .join(' ')}`,
  );
  const lines = [
    `you may run — ${perService.join('; ')}; and ${globals.join(', ')}`,
    `say: <service> <verb> [env], e.g. ${services[0]} status; help <verb> for details`,
  ];
  const locked = ctx.verbs.filter((v) => v.scope === 'service' && v.mutating);
  if (locked.length) lines.push(`more rights come from directory groups (see help ${locked[0]!.verb}), or whoami for yours`);
  if (note) lines.unshift(note);
  return { lines };
}

const base: Omit<VerbSpec, 'scope' | 'usage'> = {
  verb: 'help',
  mutating: false,
  environment: 'none',
  summary: 'what you may run, or how to use one command',
};

const which = ({ command }: { command: { args: string[] } }) => ({ verb: command.args[0] });

export const help = defineVerb({
  ...base,
  scope: 'global',
  usage: 'help [verb]',
  parse: which,
  // `help superset`: what you may run there
  check: async (ctx, { verb }) =>
    verb ? (ctx.registry.has(verb.toLowerCase()) ? overview(ctx, [verb.toLowerCase()]) : verbHelp(ctx, verb)) : overview(ctx, ctx.registry.names()),
});

export const serviceHelp = defineVerb({
  ...base,
  scope: 'service',
  usage: '<service> help [verb]',
  parse: which,
  check: async (ctx, { verb }) => (verb ? verbHelp(ctx, verb) : overview(ctx, [ctx.command.service])),
});
