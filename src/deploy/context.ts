import type { Access } from '../auth/access.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { ServiceRegistry } from '../core/registry.js';
import type { RedisScope } from '../core/scope.js';
import type { OutgoingMessage } from '../core/types.js';
import type { DeployContext, ScheduledRun } from './engine.js';
import { DeployStore } from './store.js';

/** What a deploy needs of the job running it. */
export interface DeployHost {
  config: Config;
  registry: ServiceRegistry;
  access: Access;
  log: Logger;
  scope: RedisScope;
  jobId: string;
  post(msg: OutgoingMessage): Promise<void>;
  scheduled?: ScheduledRun;
}

export function deployContext(ctx: DeployHost): DeployContext {
  return {
    config: ctx.config,
    registry: ctx.registry,
    access: ctx.access,
    log: ctx.log,
    post: ctx.post,
    store: new DeployStore(ctx.scope),
    jobId: ctx.jobId,
    ...(ctx.scheduled ? { scheduled: ctx.scheduled } : {}),
  };
}
