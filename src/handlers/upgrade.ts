// `<service> upgrade <version> <env> [--shared]`: set the image version keys (app.version and
// assets.version, or the configured ones), commit as the requester, deploy that environment.
// `<service> upgrade <version> --all`: the version lives in a file every environment shares — edit it
// once, then deploy every environment one after another, stopping at the first failure.
import { versionTarget } from '../charts/config.js';
import { versionStep } from '../charts/step.js';
import { checkVersion } from '../charts/validate.js';
import { UsageError, UserError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy } from '../deploy/engine.js';
import { chartsChangeInterrupted } from '../charts/interrupted.js';
import { deployableEnvironments, target } from '../deploy/plan.js';
import { runRolloutStep, stepJob, stepKey } from '../deploy/rollout.js';
import { defineVerb } from './verb.js';
import { asksConfirmation } from '../deploy/approvals.js';

const USAGE = '<service> upgrade <version> <env> [--shared] | <service> upgrade <version> --all';

export interface UpgradeArgs {
  service: string;
  version: string;
  /** One environment, or every deployable one in order (--all). */
  environments: string[];
  all: boolean;
  shared: boolean;
}

export const upgrade = defineVerb({
  verb: 'upgrade',
  scope: 'service',
  available: (config, service) => !!config.services[service]?.upgrade,
  mutating: true,
  schedulable: true,
  environment: 'optional',
  environmentAt: 'last',
  usage: USAGE,
  summary: 'set the image version in the values file (committed as you), then deploy; --all: the shared file once, then every environment in order',
  parse({ command, config, registry }): UpgradeArgs {
    const all = command.args.includes('--all');
    const shared = all || command.args.includes('--shared');
    const words = command.args.filter((w) => w !== '--all' && w !== '--shared');
    const usage = USAGE.replaceAll('<service>', command.service);
    if (words.length !== 1) throw new UsageError(`${usage}${command.args.length ? ` (got "${quoteBack(command.args.join(' '))}")` : ''}`);
    const version = checkVersion(words[0]!);
    if (all && command.environment) throw new UsageError(`${command.service} upgrade ${version} --all deploys every environment: name none`);
    if (!all && !command.environment) {
      const envs = registry.environments(command.service);
      throw new UsageError(`${command.service} upgrade ${version} <env>: which environment? (${envs.join(', ')}), or --all`);
    }
    const environments = all ? deployableEnvironments(registry, command.service) : [command.environment!];
    if (!environments.length) throw new UserError(`${command.service} has no environment with a deploy configured`);
    for (const e of environments) {
      target(config, registry, command.service, e);
      versionTarget(config.services, command.service, e); // the version keys are configured for it
    }
    if (all) {
      // one confirmation cannot cover a chain of deploys: production changes stay one at a time
      const asking = environments.filter((e) => asksConfirmation(registry.environment(command.service, e)));
      if (asking.length) {
        throw new UserError(
          `${command.service} ${asking.join(', ')} ask${asking.length === 1 ? 's' : ''} for a confirmation, so --all cannot run them in a row: ` +
            `upgrade one environment with --shared (it edits the shared file), then deploy the others one by one`,
        );
      }
    }
    return { service: command.service, version, environments, all, shared };
  },
  async run(ctx, a, data) {
    const dc = deployContext(ctx);
    const first = a.environments[0]!;
    const change = versionStep(ctx.config, ctx.jobId, { service: a.service, environment: first, version: a.version, shared: a.shared });
    if (!a.all) return runDeploy(dc, { verb: 'deploy', service: a.service, environment: first, requester: data.requester, replyTo: data.replyTo, change });
    // the chain, with the edit inside the first step's lock; each step queues the next once it succeeded
    const r = {
      group: `${a.service}-upgrade`,
      steps: a.environments.map((environment) => stepKey({ service: a.service, environment })),
      index: 0,
      id: ctx.jobId,
    };
    return runRolloutStep(dc, stepJob(data, r), ctx.enqueue, change);
  },
  interrupted: chartsChangeInterrupted,
});
