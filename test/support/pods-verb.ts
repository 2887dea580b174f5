// A verb written the way every verb is: one file, one `defineVerb`. Registered in a test with one
// line (`verbs: [...allVerbs, pods]`), it runs end to end like the built-in ones.
import { UsageError } from '../../src/core/errors.js';
import { cmd, line } from '../../src/core/parts.js';
import { quoteBack } from '../../src/core/sanitize.js';
import { defineVerb } from '../../src/handlers/verb.js';

const PREFIX = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const pods = defineVerb({
  verb: 'pods',
  scope: 'service',
  mutating: false,
  environment: 'required',
  environmentAt: 'last', // `superset pods superset-staging staging`: a name first, the environment last
  usage: '<service> pods <name-prefix> <env>',
  summary: 'pods of one environment whose names start with a prefix, with their restarts',
  parse({ command }) {
    const [prefix, ...rest] = command.args;
    if (!prefix || rest.length || !PREFIX.test(prefix)) throw new UsageError(`pods <name-prefix> <env> (got "${quoteBack(command.args.join(' '))}")`);
    return { service: command.service, environment: command.environment!, prefix };
  },
  async run(ctx, { service, environment, prefix }) {
    const env = ctx.registry.environment(service, environment);
    const found = (await ctx.kube.listPods(env.context, env.namespace, env.selector)).filter((p) => p.metadata?.name?.startsWith(prefix));
    const restarts = (p: (typeof found)[number]) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
    const lines = [
      `${service} ${environment}: ${found.length} pod${found.length === 1 ? '' : 's'} named ${prefix}…`,
      ...found.map((p) => `  ${p.metadata!.name}: ${restarts(p)} restarts`),
      line`more: ${cmd(`${service} status ${environment}`)}`,
    ];
    return { ok: true, summary: `${found.length} pods`, lines };
  },
});
