import { refuseExtraArgs } from '../deploy/args.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy } from '../deploy/engine.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { target } from '../deploy/plan.js';
import { runRolloutStep, type DeployArgs } from '../deploy/rollout.js';
import { DURING_MAINTENANCE } from '../maintenance/blocks.js';
import { defineVerb, type ParseContext } from './verb.js';

/** `<service> deploy|restart <env> [--during-maintenance]`: nothing else typed reaches a job. */
export function deployArgs({ command, config, registry }: ParseContext): DeployArgs {
  refuseExtraArgs(command);
  target(config, registry, command.service, command.environment!); // a deploy is configured there
  return { service: command.service, environment: command.environment!, duringMaintenance: command.args.includes(DURING_MAINTENANCE) };
}

export const deploy = defineVerb({
  verb: 'deploy',
  scope: 'service',
  mutating: true,
  schedulable: true,
  environment: 'required',
  usage: '<service> deploy <env>',
  summary: 'helmfile diff, then apply under a lock (production asks for a confirmation first); start and end announced',
  parse: deployArgs,
  async run(ctx, args, data) {
    if (args.rollout) return runRolloutStep(deployContext(ctx), data, ctx.enqueue);
    return runDeploy(deployContext(ctx), { verb: 'deploy', ...args, requester: data.requester, replyTo: data.replyTo });
  },
  interrupted: deployInterrupted,
});
