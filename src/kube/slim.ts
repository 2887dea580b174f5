// Load the Kubernetes client (./client.ts) without what it never uses. client-node's KubeConfig file
// (dist/config.js) imports dist/gen/index.js, which imports every API group and every model, and ListWatch
// (dist/cache.js) imports the model serializer: ~75 MB of memory for a process that lists and watches pods
// through plain requests. A module resolution hook (node:module registerHooks) gives those two files small
// stand-ins (./slim/*) with exactly the names they take from there; anything else that imports client-node
// (the leader lease's CoordinationV1Api) still gets the whole package, unchanged.
import { besides, giveStandIns, type StandIns } from '../core/trim-deps.js';

const DIST = '/@kubernetes/client-node/dist/';
// built: ./slim/*.js; run from the sources (a TypeScript loader, as the tests' child processes do): ./slim/*.ts
const standIns: StandIns = {
  [`${DIST}config.js`]: { './gen/index.js': besides(import.meta.url, './slim/gen-index') },
  [`${DIST}cache.js`]: { './serializer.js': besides(import.meta.url, './slim/serializer') },
};

let registered = false;

/** Install the hook (once), before ./client.js is first imported. */
export function slimKubeClient(): void {
  if (registered) return;
  registered = true;
  giveStandIns(standIns);
}
