// `<service> flags [env]`: the effective feature flags per environment — chart defaults, shared layers
// and the environment's own file, as Helm reads them — each with where it comes from.
import { flagsSpec } from '../charts/config.js';
import { readFlags } from '../charts/flags.js';
import { toUserLine, UserError } from '../core/errors.js';
import { plain, type Line } from '../core/parts.js';
import { defineVerb } from './verb.js';

export const flags = defineVerb({
  verb: 'flags',
  scope: 'service',
  available: (config, service) => !!config.services[service]?.flags,
  mutating: false,
  anonymous: true,
  environment: 'optional',
  usage: '<service> flags [env]',
  summary: 'the feature flags of each environment, on and off, with the file and line each comes from',
  parse({ command, config }) {
    if (!config.services[command.service]?.flags) throw new UserError(`${command.service} has no feature flags configured (services.${command.service}.flags)`);
    return { service: command.service, ...(command.environment ? { environment: command.environment } : {}) };
  },
  async run(ctx, { service, environment }: { service: string; environment?: string }) {
    const checkout = ctx.config.deploymentCharts?.checkout;
    if (!checkout) throw new UserError('feature flags are not configured: set deploymentCharts.checkout');
    const envs = environment ? [environment] : ctx.registry.environments(service).filter((e) => ctx.registry.environment(service, e).values);
    const lines: Line[] = [];
    let ok = true;
    for (const env of envs) {
      try {
        const view = readFlags(checkout, flagsSpec(ctx.config.services, service, env));
        const on = view.flags.filter((f) => f.on);
        const off = view.flags.filter((f) => !f.on);
        lines.push(`${service} ${env}: ${on.length} on${off.length ? `, ${off.length} off` : ''} (${view.file})`);
        for (const f of [...on, ...off]) lines.push(`  ${f.name} ${f.on ? 'on' : 'off'} — ${f.from.file}:${f.from.line} ${f.from.path}`);
      } catch (e) {
        ok = false;
        if (!(e instanceof UserError)) ctx.log.error({ err: e, service, env }, 'flags failed');
        lines.push(`${service} ${env}: ${toUserLine(e)}`);
      }
    }
    return { ok, summary: lines[0] ? plain(lines[0]) : `${service} flags`, lines };
  },
});
