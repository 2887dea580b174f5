// `<service> flag <NAME> on|off <env> [--shared]`: edit the feature flag in the environment's values
// file (a commit as the requester), then deploy that environment through the deploy steps.
import { flagStep } from '../charts/step.js';
import { flagTarget } from '../charts/config.js';
import { checkFlagName } from '../charts/validate.js';
import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy } from '../deploy/engine.js';
import { chartsChangeInterrupted } from '../charts/interrupted.js';
import { target } from '../deploy/plan.js';
import { defineVerb } from './verb.js';

const USAGE = '<service> flag <NAME> on|off <env> [--shared]';

export const flag = defineVerb({
  verb: 'flag',
  scope: 'service',
  available: (config, service) => !!config.services[service]?.flags,
  mutating: true,
  schedulable: true,
  environment: 'required',
  environmentAt: 'last',
  usage: USAGE,
  summary: "turn a feature flag on or off in the environment's values file (committed as you), then deploy it",
  parse({ command, config, registry }) {
    const words = command.args.filter((w) => w !== '--shared');
    const [name, state, ...rest] = words;
    const usage = USAGE.replace('<service>', command.service);
    if (!name || !state || rest.length) throw new UsageError(`${usage}${command.args.length ? ` (got "${quoteBack(command.args.join(' '))}")` : ''}`);
    const on = { on: true, off: false, enable: true, disable: false }[state.toLowerCase()];
    if (on === undefined) throw new UsageError(`${usage}: say on or off (got "${quoteBack(state, 20)}")`);
    const upper = name.toUpperCase();
    checkFlagName(upper);
    target(config, registry, command.service, command.environment!); // a deploy is configured there
    flagTarget(config.services, command.service, command.environment!); // and flags are
    return { service: command.service, environment: command.environment!, name: upper, on, shared: command.args.includes('--shared') };
  },
  async run(ctx, c, data) {
    return runDeploy(deployContext(ctx), {
      verb: 'deploy',
      service: c.service,
      environment: c.environment,
      requester: data.requester,
      replyTo: data.replyTo,
      change: flagStep(ctx.config, ctx.jobId, c),
    });
  },
  interrupted: chartsChangeInterrupted,
});
