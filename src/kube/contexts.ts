import type { Config } from '../config/schema.js';

/** Every kube context the config names, after `first` (the sandbox and tests point them all at one server). */
export function configContexts(config: Config, first = 'sandbox'): string[] {
  const names = new Set([first]);
  for (const svc of Object.values(config.services)) for (const env of Object.values(svc.environments)) if (env.context) names.add(env.context);
  return [...names];
}
