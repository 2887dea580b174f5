// Load the Kubernetes client (./client.ts) without what it never uses. client-node's KubeConfig file
// (dist/config.js) imports dist/gen/index.js, which imports every API group and every model, and ListWatch
// (dist/cache.js) imports the model serializer: ~75 MB of memory for a process that lists and watches pods
// through plain requests. A module resolution hook (node:module registerHooks) gives those two files small
// stand-ins (./slim/*) with exactly the names they take from there; anything else that imports client-node
// (the leader lease's CoordinationV1Api) still gets the whole package, unchanged.
import { registerHooks } from 'node:module';

const DIST = '/@kubernetes/client-node/dist/';
// built: ./slim/*.js; run from the sources (a TypeScript loader, as the tests' child processes do): ./slim/*.ts
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const standIns: Record<string, Record<string, string>> = {
  'config.js': { './gen/index.js': new URL(`./slim/gen-index${EXT}`, import.meta.url).href },
  'cache.js': { './serializer.js': new URL(`./slim/serializer${EXT}`, import.meta.url).href },
};

let registered = false;

/** Install the hook (once), before ./client.js is first imported. */
export function slimKubeClient(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, next) {
      const parent = context.parentURL ?? '';
      const at = parent.lastIndexOf(DIST);
      const url = at >= 0 ? standIns[parent.slice(at + DIST.length)]?.[specifier] : undefined;
      return url ? { url, shortCircuit: true } : next(specifier, context);
    },
  });
}
