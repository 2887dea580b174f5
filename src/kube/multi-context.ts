import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config/schema.js';

/**
 * A KubeConfig where every context the Deckhand config names (dse-k8s-eqiad, …) points at one
 * plain-http API server: the sandbox cluster, or the fake API in tests.
 */
export function kubeConfigForAll(url: string, config: Config, fallback = 'sandbox'): KubeConfig {
  const names = new Set([fallback]);
  for (const svc of Object.values(config.services)) for (const env of Object.values(svc.environments)) if (env.context) names.add(env.context);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server: url, skipTLSVerify: url.startsWith('http:') }],
    users: [{ name: 'deckhand', token: 'sandbox' }],
    contexts: [...names].map((name) => ({ name, cluster: 'sandbox', user: 'deckhand', namespace: 'default' })),
    currentContext: fallback,
  });
  return kc;
}
