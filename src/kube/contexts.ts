import type { Config } from '../config/schema.js';

/** `sandbox`, then every kube context the config names (the sandbox and tests point them all at one server). */
export function configContexts(config: Config): string[] {
  const names = new Set(['sandbox']);
  for (const svc of Object.values(config.services)) for (const env of Object.values(svc.environments)) if (env.context) names.add(env.context);
  return [...names];
}
