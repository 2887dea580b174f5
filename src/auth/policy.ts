import type { Config } from '../config/schema.js';
import type { Command, Identity } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';

/**
 * Who may run a verb on a service. Read-only verbs are public unless the service configures
 * groups for them; mutating verbs are denied unless a group is granted (deny by default).
 * Returns 'public' or the list of groups, any one of which is enough.
 */
export function requiredGroups(config: Config, service: string, spec: VerbSpec): 'public' | string[] {
  const configured = service ? config.services[service]?.permissions[spec.permission ?? spec.verb] : undefined;
  if (configured) return configured;
  return spec.mutating ? [] : 'public';
}

/** How a command reads in a denial line: `deploy superset production`. */
export function describe(command: Command): string {
  return [command.verb, command.service, command.environment].filter(Boolean).join(' ');
}

export type PolicyAnswer = { allowed: true; reason: string } | { allowed: false; reason: string; missing: 'login' | 'directory-user' | 'group' | 'nobody' };

/** Pure decision on an identity whose directory groups are already known. */
export function decide(config: Config, command: Command, spec: VerbSpec, who: Identity): PolicyAnswer {
  const need = requiredGroups(config, command.service, spec);
  if (need === 'public') return { allowed: true, reason: 'public verb' };
  const what = describe(command);
  if (need.length === 0) {
    return { allowed: false, missing: 'nobody', reason: `${what} is not granted to any group (services.${command.service}.permissions.${command.verb})` };
  }
  if (!who.account) return { allowed: false, missing: 'login', reason: `${what} needs a logged-in account` };
  if (!who.user) return { allowed: false, missing: 'directory-user', reason: `${what}: account ${who.account} has no directory user` };
  const have = who.groups ?? [];
  const match = need.find((g) => have.includes(g));
  if (match) return { allowed: true, reason: `member of ${match}` };
  return {
    allowed: false,
    missing: 'group',
    reason: `${what} needs one of ${need.join(', ')} (you: ${have.length ? have.join(', ') : 'no groups'})`,
  };
}
