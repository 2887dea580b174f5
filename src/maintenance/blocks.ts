// What deploys ask of maintenance: is a window running now, and may this deploy go ahead during it.
import type { Redis } from 'ioredis';
import type { Access } from '../auth/access.js';
import type { Config } from '../config/schema.js';
import { toUserLine, UserError } from '../core/errors.js';
import type { Identity } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import { formatDuration } from './duration.js';
import { authorName, MaintenanceStore } from './store.js';
import { utc } from './when.js';

/** The deploy option that asks to go ahead during an announced window. */
export const DURING_MAINTENANCE = '--during-maintenance';
/** Policy verb for that; when a service does not configure it, the `maint` groups decide. */
export const OVERRIDE_VERB = 'deploy-during-maintenance';

export interface MaintenanceBlockRequest {
  service: string;
  environment: string;
  requester: Identity;
  /** The requester added --during-maintenance. */
  override: boolean;
  /** deploy, restart… (for the wording). */
  verb?: string;
  now?: number;
}

/** A deploy refused because a maintenance window runs (and no allowed override was given). */
export class InMaintenanceError extends UserError {
  override name = 'InMaintenanceError';
}

/**
 * Returns when the deploy may go ahead; otherwise throws InMaintenanceError saying why not. During a window a
 * deploy needs `--during-maintenance` and a group granted `deploy-during-maintenance` (or, when the
 * service configures none, `maint`) on the service.
 */
export async function maintenanceBlocks(deps: { redis: Redis; prefix: string; config: Config; access: Access }, req: MaintenanceBlockRequest): Promise<void> {
  const now = req.now ?? Date.now();
  const w = await new MaintenanceStore({ connection: deps.redis, prefix: deps.prefix }).active(req.service, now, req.environment);
  if (!w) return;
  const verb = req.verb ?? 'deploy';
  const what = `${req.service} ${req.environment} is in maintenance #${w.id} until ${utc(w.end, now)} (${formatDuration(w.end - now)} left: ${w.reason}, by ${authorName(w.who)})`;
  const permissions = deps.config.services[req.service]?.permissions ?? {};
  const policyVerb = permissions[OVERRIDE_VERB] ? OVERRIDE_VERB : 'maint';
  if (!req.override) {
    const groups = permissions[policyVerb] ?? [];
    throw new InMaintenanceError(
      `${what}: ${verb} refused; add ${DURING_MAINTENANCE} to ${verb} anyway (allowed to: ${groups.length ? groups.join(', ') : 'nobody'})`,
    );
  }
  const spec: VerbSpec = { verb: policyVerb, scope: 'service', mutating: true, environment: 'none', usage: '', summary: '' };
  const { user: _u, groups: _g, name: _n, mail: _m, ...asked } = req.requester;
  const decision = await deps.access.authorize(
    asked,
    { service: req.service, verb: policyVerb, environment: req.environment, args: [DURING_MAINTENANCE], requestId: '' },
    spec,
    'worker',
  );
  if (decision.allowed) return;
  throw new InMaintenanceError(`${what}: ${verb} ${DURING_MAINTENANCE} refused: ${decision.error ? toUserLine(decision.error) : decision.reason}`);
}
