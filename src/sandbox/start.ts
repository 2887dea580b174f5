// The "sandbox cluster": the fake API server seeded with made-up pods, for `npm start` on a
// machine without a kube context. Every context and namespace named in the config answers;
// a configured environment the seed does not cover gets two healthy pods matching its selector.
import type { Config } from '../config/schema.js';
import { KubeClient, kubeConfigForUrl } from '../kube/client.js';
import { configContexts } from '../kube/contexts.js';
import { makeDeployment, makePod, sandboxCluster, SUPERSET_IMAGE } from './fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from './kube-api.js';
import { makeSuperset } from './kube-api-superset.js';
import { imageVersion } from '../kube/summarize.js';
import { startController } from './controller.js';
import type { V1Deployment } from '@kubernetes/client-node';
import { matchesSelector, parseLabelSelector, type Selector } from './label-selector.js';

export interface Sandbox {
  url: string;
  api: FakeKubeApi;
  kube: KubeClient;
  /** The deployments it started with (the sandbox deployment-charts repository is written from them). */
  deployments: V1Deployment[];
  close(): Promise<void>;
}

export async function startSandbox(config: Config, opts: { port?: number } = {}): Promise<Sandbox> {
  const seed = sandboxCluster();
  for (const service of Object.values(config.services)) {
    for (const env of Object.values(service.environments)) {
      let sel: Selector;
      try {
        sel = parseLabelSelector(env.selector);
      } catch {
        continue; // a malformed selector: the status command will show the API's error
      }
      // The equality / set requirements give labels a made-up pod can carry.
      const labels: Record<string, string> = Object.fromEntries(
        sel.filter((r) => ['=', '==', 'in'].includes(r.operator)).map((r) => [r.key, r.values[0] ?? '']),
      );
      if (seed.pods.some((p) => p.metadata?.namespace === env.namespace && matchesSelector(sel, p.metadata?.labels))) continue;
      if (!matchesSelector(sel, labels)) continue;
      const name = labels.app ?? labels.component ?? env.namespace;
      seed.deployments.push(makeDeployment({ namespace: env.namespace, name, labels, image: SUPERSET_IMAGE, replicas: 2 }));
      for (const i of [0, 1]) seed.pods.push(makePod({ namespace: env.namespace, labels, image: SUPERSET_IMAGE, deployment: name, seed: i }));
    }
  }
  const api = await startFakeKubeApi({ seed, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  // an operator-managed environment has its Superset CR (Running), for status and approve-upgrade to read
  for (const env of Object.values(config.services).flatMap((s) => Object.values(s.environments))) {
    if (env.operator)
      api.upsertSuperset(
        makeSuperset({ namespace: env.operator.namespace ?? env.namespace, name: env.operator.name, phase: 'Running', tag: imageVersion(SUPERSET_IMAGE) }),
      );
  }
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: config.kubernetes.timeoutMs });
  // pods follow their deployments: a new template rolls out, new replicas come and go
  const controller = startController(api);
  return {
    url: api.url,
    api,
    kube,
    deployments: seed.deployments,
    close: () => {
      controller.stop();
      return api.close();
    },
  };
}
