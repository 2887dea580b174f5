import type { Config } from '../config/schema.js';
import type { ServiceRegistry } from '../core/registry.js';
import { quoteBack } from '../core/sanitize.js';
import { closest } from '../core/suggest.js';
import { UnknownRolloutError } from './errors.js';
import { deployableEnvironments } from './plan.js';

export interface Step {
  service: string;
  environment: string;
}

export const stepName = (s: Step): string => `${s.service} ${s.environment}`;
export const stepKey = (s: Step): string => `${s.service}/${s.environment}`;
export function parseStepKey(k: string): Step {
  const [service, environment] = k.split('/');
  return { service: service!, environment: environment! };
}

/** The environments of a roll-out group, in order: `<service>` means each deployable environment of it. */
export function rolloutSteps(config: Config, registry: ServiceRegistry, group: string): Step[] {
  const entries = Object.hasOwn(config.rollouts, group) ? config.rollouts[group] : undefined;
  if (!entries) {
    const groups = Object.keys(config.rollouts);
    const hint = closest(group, groups);
    throw new UnknownRolloutError(
      groups.length
        ? `no roll-out group "${quoteBack(group)}"${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ` (groups: ${groups.join(', ')})`}`
        : 'no roll-out groups are configured (rollouts: in the config)',
    );
  }
  return entries.flatMap((e) => {
    const [service, environment] = e.split('/');
    if (environment) return [{ service: service!, environment }];
    return deployableEnvironments(registry, service!).map((env) => ({ service: service!, environment: env }));
  });
}
