// `<service> releases [env] [--all]`: the helm history of the environment's release (every deployable
// environment when none is named), with the Deckhand job behind each revision.
import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { deployableEnvironments, target } from '../deploy/plan.js';
import { readOnlyExec, releaseLines } from '../deploy/releases.js';
import { HistoryStore } from '../history/store.js';
import { defineVerb } from './verb.js';

export const releases = defineVerb({
  verb: 'releases',
  scope: 'service',
  mutating: false,
  anonymous: true,
  environment: 'optional',
  usage: '<service> releases [env] [--all]',
  summary: 'helm history of the release: revision, when, status, chart, app version, description and the Deckhand job behind it (last 5; --all for more)',
  parse({ command, config, registry }) {
    const rest = command.args.filter((a) => a !== '--all');
    if (rest.length) throw new UsageError(`${command.service} releases [env] [--all] (got "${quoteBack(rest.join(' '))}")`);
    const environments = command.environment ? [command.environment] : deployableEnvironments(registry, command.service);
    for (const e of environments) target(config, registry, command.service, e); // a deploy is configured there
    return { service: command.service, environments, all: command.args.includes('--all') };
  },
  async run(ctx, { service, environments, all }, data) {
    const jobs = await new HistoryStore(ctx.scope).query({ limit: 2000 }).catch(() => []);
    const exec = readOnlyExec(ctx.config, data.requester.user ?? data.requester.account ?? data.requester.nick);
    const lines = (await Promise.all(environments.map((e) => releaseLines(ctx.config, ctx.registry, service, e, { all, jobs, exec })))).flat();
    return { ok: true, summary: `releases of ${service} ${environments.join(', ')}`, lines };
  },
});
