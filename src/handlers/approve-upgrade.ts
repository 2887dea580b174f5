// `<service> approve-upgrade <env>`: an operator-managed Superset in supervised mode waits for the
// annotation superset.apache.org/approve-upgrade=<token>; this sets it, with a permission of its own
// (services.<s>.permissions.approve-upgrade), fromTag → toTag confirmed first, production's approvals
// where configured, under the environment's lock, announced and kept in the job history and audit log.
import { refuseExtraArgs } from '../deploy/args.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy, type Operation } from '../deploy/engine.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { approveUpgradeOperation } from '../health/approve.js';
import { operatorTarget } from '../health/check.js';
import { UserError } from '../core/errors.js';
import { DURING_MAINTENANCE } from '../maintenance/blocks.js';
import { defineVerb, type RunContext } from './verb.js';

interface ApproveArgs {
  service: string;
  environment: string;
  duringMaintenance?: boolean;
}

/** The operation for an environment (also what `confirm` runs). */
export function approveUpgradeOf(ctx: Pick<RunContext, 'registry' | 'kube'>, a: ApproveArgs): Operation {
  const t = operatorTarget(ctx.registry.environment(a.service, a.environment));
  if (!t)
    throw new UserError(`${a.service} ${a.environment} is not managed by the Superset operator (services.${a.service}.environments.${a.environment}.operator)`);
  return approveUpgradeOperation(ctx.kube, `${a.service} ${a.environment}`, t);
}

export const approveUpgrade = defineVerb({
  verb: 'approve-upgrade',
  scope: 'service',
  mutating: true,
  environment: 'required',
  usage: '<service> approve-upgrade <env>',
  summary: "approve the supervised upgrade the Superset operator waits for (fromTag → toTag shown and confirmed first); sets the CR's approval annotation",
  available: (config, service) => Object.values(config.services[service]?.environments ?? {}).some((e) => e.operator),
  parse({ command, registry }): ApproveArgs {
    refuseExtraArgs(command);
    const env = registry.environment(command.service, command.environment!);
    if (!env.operator)
      throw new UserError(
        `${command.service} ${command.environment} is not managed by the Superset operator (services.${command.service}.environments.${command.environment}.operator)`,
      );
    return { service: command.service, environment: command.environment!, ...(command.args.includes(DURING_MAINTENANCE) ? { duringMaintenance: true } : {}) };
  },
  async run(ctx, args, data) {
    return runDeploy(deployContext(ctx), {
      verb: 'approve-upgrade',
      service: args.service,
      environment: args.environment,
      requester: data.requester,
      replyTo: data.replyTo,
      operation: approveUpgradeOf(ctx, args),
      ...(args.duringMaintenance ? { duringMaintenance: true } : {}),
    });
  },
  interrupted: deployInterrupted,
});
