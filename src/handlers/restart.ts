import { refuseExtraArgs } from '../deploy/args.js';
import { RefusedArgumentsError } from '../deploy/errors.js';
import { target } from '../deploy/plan.js';
import type { Handler } from './types.js';

export const restart: Handler = {
  verb: 'restart',
  scope: 'service',
  mutating: true,
  environment: 'required',
  usage: '<service> restart <env>',
  summary: 'recreate every pod (helmfile apply with roll_restart=1), refused while undeployed changes are pending',
  async handle(ctx) {
    refuseExtraArgs(ctx.command);
    const t = target(ctx.config, ctx.registry, ctx.command.service, ctx.command.environment!);
    if (t.deploy.tool !== 'helmfile') {
      throw new RefusedArgumentsError(`${t.service} ${t.environment} is deployed with plain helm: restart works with helmfile's roll_restart only`);
    }
    return { kind: 'enqueue', jobKind: 'restart' };
  },
};
