import { deployContext } from '../deploy/context.js';
import { runDeploy } from '../deploy/engine.js';
import { RefusedArgumentsError } from '../deploy/errors.js';
import { deployInterrupted } from '../deploy/interrupted.js';
import { deployArgs } from './deploy.js';
import { defineVerb } from './verb.js';

export const restart = defineVerb({
  verb: 'restart',
  scope: 'service',
  mutating: true,
  schedulable: true,
  environment: 'required',
  usage: '<service> restart <env>',
  summary: 'recreate every pod (helmfile apply with roll_restart=1), refused while undeployed changes are pending',
  parse(ctx) {
    const args = deployArgs(ctx);
    const t = ctx.registry.environment(args.service, args.environment);
    if (t.deploy?.tool !== 'helmfile') {
      throw new RefusedArgumentsError(`${args.service} ${args.environment} is deployed with plain helm: restart works with helmfile's roll_restart only`);
    }
    return args;
  },
  async run(ctx, { rollout: _r, ...args }, data) {
    return runDeploy(deployContext(ctx), { verb: 'restart', ...args, requester: data.requester, replyTo: data.replyTo });
  },
  interrupted: deployInterrupted,
});
