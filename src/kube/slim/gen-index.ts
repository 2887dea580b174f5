// What client-node's dist/config.js (KubeConfig) takes from its dist/gen/index.js, without the rest of that
// file: every API group and every model (~45 MB of memory). Loaded in its place by ../slim.ts.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
