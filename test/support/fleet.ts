// A service whose status is long: `fleet` with several environments, each with crash-looping pods, so
// `!fleet status` answers with many lines (flood-control tests and the ircFlood benchmark).
import type { FakeKubeApi } from '../../src/sandbox/kube-api.js';
import { makePod, SUPERSET_IMAGE } from '../../src/sandbox/fixtures.js';
import { exampleConfig } from './config.js';

/** The example services plus `fleet` (environments e1…eN, namespaces fleet-e1…). */
export function fleetServices(environments: number): Record<string, unknown> {
  const envs: Record<string, unknown> = {};
  for (let i = 1; i <= environments; i++) envs[`e${i}`] = { context: 'dse-k8s-eqiad', namespace: `fleet-e${i}`, selector: 'app=fleet' };
  return { ...exampleConfig().services, fleet: { environments: envs } };
}

/** One healthy and three crash-looping pods per environment: 4 status lines each. */
export function seedFleet(api: FakeKubeApi, environments: number): void {
  for (let i = 1; i <= environments; i++) {
    const namespace = `fleet-e${i}`;
    const labels = { app: 'fleet' };
    api.setPods(namespace, [
      makePod({ namespace, labels, image: SUPERSET_IMAGE, deployment: 'fleet', seed: `${i}-ok` }),
      ...[1, 2, 3].map((j) => makePod({ namespace, labels, image: SUPERSET_IMAGE, deployment: 'fleet', waiting: 'CrashLoopBackOff', seed: `${i}-${j}` })),
    ]);
  }
}
