// `<service> rollback <env> [revision]`: helm rollback of the environment's release (default: the
// revision deployed before the current one), with a deploy's safety: src/deploy/rollback.ts.
import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import type { RunContext } from './verb.js';
import { deployContext } from '../deploy/context.js';
import { runDeploy, type Operation } from '../deploy/engine.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { target } from '../deploy/plan.js';
import { rollbackOperation } from '../deploy/rollback.js';
import { DURING_MAINTENANCE } from '../maintenance/blocks.js';
import { defineVerb } from './verb.js';

export interface RollbackArgs {
  service: string;
  environment: string;
  revision?: number;
  duringMaintenance?: boolean;
}

export function rollbackOf(ctx: Pick<RunContext, 'config' | 'registry'>, a: { service: string; environment: string; revision?: number }): Operation {
  return rollbackOperation(ctx.config, target(ctx.config, ctx.registry, a.service, a.environment), a.revision);
}

export const rollback = defineVerb({
  verb: 'rollback',
  scope: 'service',
  mutating: true,
  schedulable: true,
  environment: 'required',
  usage: '<service> rollback <env> [revision]',
  summary: 'helm rollback of the release to a revision (default: the one before), under the deploy lock; production asks first. The next deploy re-applies git',
  parse({ command, config, registry }): RollbackArgs {
    const rest = command.args.filter((a) => a !== DURING_MAINTENANCE);
    const usage = `${command.service} rollback ${command.environment} [revision]`;
    if (rest.length > 1 || (rest[0] !== undefined && !/^\d{1,9}$/.test(rest[0]))) {
      throw new UsageError(`${usage}: the revision is a number from ${command.service} releases ${command.environment} (got "${quoteBack(rest.join(' '))}")`);
    }
    target(config, registry, command.service, command.environment!); // a deploy is configured there
    return {
      service: command.service,
      environment: command.environment!,
      ...(rest[0] !== undefined ? { revision: Number(rest[0]) } : {}),
      ...(command.args.includes(DURING_MAINTENANCE) ? { duringMaintenance: true } : {}),
    };
  },
  async run(ctx, args, data) {
    return runDeploy(deployContext(ctx), {
      verb: 'rollback',
      service: args.service,
      environment: args.environment,
      requester: data.requester,
      replyTo: data.replyTo,
      operation: rollbackOf(ctx, args),
      args: { ...(args.revision !== undefined ? { revision: args.revision } : {}) },
      ...(args.duringMaintenance ? { duringMaintenance: true } : {}),
    });
  },
  interrupted: deployInterrupted,
});
