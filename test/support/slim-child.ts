// Run by test/kube-slim.test.ts in a Node process of its own: the Kubernetes client loaded the way the
// CLI loads it (src/kube/slim.ts's hook first), used against the fake API whose URL is argv[2].
// Prints one JSON line: what it read, and which of client-node's files were loaded in place of which.
import { registerHooks } from 'node:module';
import { slimKubeClient } from '../../src/kube/slim.js';

slimKubeClient();
// registered after slim's hook, so it runs first and sees what slim's answer was
const resolved: string[] = [];
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    resolved.push(r.url);
    return r;
  },
});
const { KubeClient, kubeConfigForUrl } = await import('../../src/kube/client.js');
const kube = new KubeClient(kubeConfigForUrl(process.argv[2]!), { timeoutMs: 3000, watchTimeoutSeconds: 5 });
const pods = await kube.listPods(undefined, 'superset', 'app=superset');
const deployments = await kube.listDeployments(undefined, 'superset', '');
const one = await kube.getPod(undefined, 'superset', pods[0]!.metadata!.name!);
const events: string[] = [];
const stop = await kube.watchPods(
  undefined,
  'superset-next',
  '',
  (type, pod) => events.push(`${type} ${pod.metadata?.name}`),
  () => {},
);
await new Promise((r) => setTimeout(r, 500));
stop();
process.stdout.write(
  `${JSON.stringify({ pods: pods.length, deployments: deployments.length, one: one.metadata?.name, watched: events.length, fullModelIndex: resolved.some((u) => u.endsWith('/client-node/dist/gen/index.js')), standIns: resolved.filter((u) => u.includes('/kube/slim/')).length, rssMb: Math.round(process.memoryUsage().rss / 1048576) })}\n`,
);
process.exit(0);
