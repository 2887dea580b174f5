// API discovery for the fake API server: what kubectl (client-go) reads before any request.
// kubectl 1.30+ asks for aggregated discovery (apidiscovery.k8s.io/v2) on /api and /apis and
// falls back to the legacy documents (/api, /apis, /api/v1, /apis/apps/v1) when the server
// answers plain JSON; both are served here.
import { SCALE_DISCOVERY } from './kube-api-scale.js';
import { SUPERSET_GROUP, SUPERSET_VERSION } from './kube-api-superset.js';

export const RESOURCES = {
  namespaces: {
    group: '',
    version: 'v1',
    groupVersion: 'v1',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    singular: 'namespace',
    shortNames: ['ns'],
    categories: [],
    namespaced: false,
  },
  pods: {
    group: '',
    version: 'v1',
    groupVersion: 'v1',
    kind: 'Pod',
    listKind: 'PodList',
    singular: 'pod',
    shortNames: ['po'],
    categories: ['all'],
    namespaced: true,
  },
  events: {
    group: '',
    version: 'v1',
    groupVersion: 'v1',
    kind: 'Event',
    listKind: 'EventList',
    singular: 'event',
    shortNames: ['ev'],
    categories: [],
    namespaced: true,
  },
  deployments: {
    group: 'apps',
    version: 'v1',
    groupVersion: 'apps/v1',
    kind: 'Deployment',
    listKind: 'DeploymentList',
    singular: 'deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    namespaced: true,
  },
  // Kept by the fake API itself: one per deployment's current template, older ones scaled to 0.
  replicasets: {
    group: 'apps',
    version: 'v1',
    groupVersion: 'apps/v1',
    kind: 'ReplicaSet',
    listKind: 'ReplicaSetList',
    singular: 'replicaset',
    shortNames: ['rs'],
    categories: ['all'],
    namespaced: true,
  },
  // The Superset operator's custom resource (kube-api-superset.ts adds its PATCH).
  supersets: {
    group: SUPERSET_GROUP,
    version: SUPERSET_VERSION,
    groupVersion: `${SUPERSET_GROUP}/${SUPERSET_VERSION}`,
    kind: 'Superset',
    listKind: 'SupersetList',
    singular: 'superset',
    shortNames: [],
    categories: [],
    namespaced: true,
  },
  // Leader election's Leases: served by kube-api-lease.ts (create, update with resourceVersion, delete).
  leases: {
    group: 'coordination.k8s.io',
    version: 'v1',
    groupVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    listKind: 'LeaseList',
    singular: 'lease',
    shortNames: [],
    categories: [],
    namespaced: true,
  },
} as const;
export type ResourceName = keyof typeof RESOURCES;
/** The API groups besides the core one, with their one version. */
const GROUPS: [group: string, version: string][] = [
  ['apps', 'v1'],
  [SUPERSET_GROUP, SUPERSET_VERSION],
  ['coordination.k8s.io', 'v1'],
];
const versionOf = (group: string): string => GROUPS.find(([g]) => g === group)?.[1] ?? 'v1';
const groupDocument = (group: string, version: string) => ({
  name: group,
  versions: [{ groupVersion: `${group}/${version}`, version }],
  preferredVersion: { groupVersion: `${group}/${version}`, version },
});

/** Only reads are served (custom resources: and patch). */
const VERBS = ['get', 'list', 'watch'];
const verbsOf = (group: string): string[] =>
  group === SUPERSET_GROUP ? [...VERBS, 'patch'] : group === 'coordination.k8s.io' ? ['create', 'delete', 'get', 'list', 'update'] : VERBS;
export const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.9-deckhand-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-05-14T00:00:00Z',
  goVersion: 'go1.23.9',
  compiler: 'gc',
  platform: 'linux/amd64',
};
const aggregatedType = (version: string) => `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

/**
 * The aggregated discovery version the client asks for first, if any: kubectl 1.30+ lists v2 then
 * v2beta1, 1.27–1.29 ask for v2beta1 only (and find no resources in a v2 answer). The shapes are the same.
 */
export function aggregatedVersion(accept: string): 'v2' | 'v2beta1' | undefined {
  for (const type of accept.split(',')) {
    const params = new Map(
      type
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') !== 'APIGroupDiscoveryList' || params.get('g') !== 'apidiscovery.k8s.io') continue;
    const v = params.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

const byGroup = (group: string) => Object.entries(RESOURCES).filter(([, r]) => r.group === group);

export function apiResourceList(group: string): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${versionOf(group)}` : 'v1',
    resources: [
      ...byGroup(group).map(([name, r]) => ({
        name,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: verbsOf(group),
        shortNames: r.shortNames,
        ...(r.categories.length ? { categories: r.categories } : {}),
      })),
      ...(group === 'apps' ? [SCALE_DISCOVERY.legacy] : []),
    ],
  };
}

function aggregated(groups: string[], version: 'v2' | 'v2beta1'): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version: versionOf(group),
          resources: byGroup(group).map(([name, r]) => ({
            resource: name,
            responseKind: { group, version: versionOf(group), kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: verbsOf(group),
            shortNames: r.shortNames,
            ...(r.categories.length ? { categories: r.categories } : {}),
            ...(name === 'deployments' ? { subresources: [SCALE_DISCOVERY.aggregated] } : {}),
          })),
          freshness: 'Current',
        },
      ],
    })),
  };
}

/** The discovery document for `path`, or undefined when `path` is not a discovery path. */
export function discoveryResponse(path: string, accept: string, serverAddress: string): { body: string; contentType: string } | undefined {
  const json = (o: object, contentType = 'application/json') => ({ body: JSON.stringify(o), contentType });
  const version = aggregatedVersion(accept);
  switch (path) {
    case '/version':
      return json(SERVER_VERSION);
    case '/api':
      if (version) return json(aggregated([''], version), aggregatedType(version));
      return json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] });
    case '/apis':
      if (version)
        return json(
          aggregated(
            GROUPS.map(([g]) => g),
            version,
          ),
          aggregatedType(version),
        );
      return json({
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: GROUPS.map(([g, v]) => groupDocument(g, v)),
      });
    case '/api/v1':
      return json(apiResourceList(''));
    case '/apis/apps':
      return json({
        kind: 'APIGroup',
        apiVersion: 'v1',
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      });
    case '/apis/apps/v1':
      return json(apiResourceList('apps'));
    case `/apis/${SUPERSET_GROUP}`:
      return json({ kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(SUPERSET_GROUP, SUPERSET_VERSION) });
    case `/apis/${SUPERSET_GROUP}/${SUPERSET_VERSION}`:
      return json(apiResourceList(SUPERSET_GROUP));
    default:
      return undefined;
  }
}
