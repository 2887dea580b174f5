// `<service> stop <env>`: scale the service's configured deployments to 0 (their replicas recorded for
// `start`), under the deploy lock, announced; production asks first. src/deploy/scale.ts does it.
import { refuseExtraArgs } from '../deploy/args.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy, type Operation } from '../deploy/engine.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { target } from '../deploy/plan.js';
import { startOperation, stopDeployments, stopOperation } from '../deploy/scale.js';
import { DURING_MAINTENANCE } from '../maintenance/blocks.js';
import { defineVerb, type ParseContext, type RunContext } from './verb.js';

interface ScaleArgs {
  service: string;
  environment: string;
  duringMaintenance?: boolean;
}

function scaleArgs({ command, config, registry }: ParseContext): ScaleArgs {
  refuseExtraArgs(command);
  stopDeployments(config, target(config, registry, command.service, command.environment!)); // configured
  return { service: command.service, environment: command.environment!, ...(command.args.includes(DURING_MAINTENANCE) ? { duringMaintenance: true } : {}) };
}

/** The operation of `stop` or `start` for an environment (also what `confirm` runs). */
export function scaleOf(ctx: RunContext, verb: 'stop' | 'start', a: { service: string; environment: string }): Operation {
  const t = target(ctx.config, ctx.registry, a.service, a.environment);
  const deps = { config: ctx.config, kube: ctx.kube, scope: ctx.scope, jobId: ctx.jobId, clock: ctx.clock };
  return verb === 'stop' ? stopOperation(deps, t) : startOperation(deps, t);
}

function scaleVerb(verb: 'stop' | 'start', summary: string) {
  return defineVerb({
    verb,
    scope: 'service',
    mutating: true,
    schedulable: true,
    environment: 'required',
    usage: `<service> ${verb} <env>`,
    summary,
    parse: scaleArgs,
    async run(ctx, args, data) {
      return runDeploy(deployContext(ctx), {
        verb,
        service: args.service,
        environment: args.environment,
        requester: data.requester,
        replyTo: data.replyTo,
        operation: scaleOf(ctx, verb, args),
        ...(args.duringMaintenance ? { duringMaintenance: true } : {}),
      });
    },
    interrupted: deployInterrupted,
  });
}

export const stop = scaleVerb(
  'stop',
  "scale the service's deployments to 0 replicas (a downtime, announced; the replicas are recorded for start); the monitor stays quiet until start",
);
export const start = scaleVerb('start', 'scale the deployments back to the replicas recorded by stop, announced');
