import type { Config } from '../config/schema.js';
import type { Identity } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import { decide, requiredGroups } from './policy.js';

/** Service verbs an already-identified person may run on a service (for help and whoami). */
export function verbsAllowed(config: Config, who: Identity, service: string, verbs: readonly VerbSpec[]): VerbSpec[] {
  return verbs.filter(
    (v) =>
      v.scope === 'service' && (v.available?.(config, service) ?? true) && decide(config, { service, verb: v.verb, args: [], requestId: '' }, v, who).allowed,
  );
}

/** Groups that would grant a verb on a service, for "how to get more" hints. */
export function grantingGroups(config: Config, service: string, spec: VerbSpec): string[] {
  const need = requiredGroups(config, service, spec);
  return need === 'public' ? [] : need;
}
