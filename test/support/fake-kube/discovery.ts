import type { KubeRecord } from './json-values.ts';
import type { ResolvedResourceType, ResourceTypeRegistry } from './resource-types.ts';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** GET /api */
export function apiVersions(serverAddress: string): KubeRecord {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** GET /apis */
export function apiGroupList(registry: ResourceTypeRegistry): KubeRecord {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map((group) => apiGroup(registry, group)),
  };
}

/** GET /apis/{group} */
export function apiGroup(registry: ResourceTypeRegistry, group: string): KubeRecord {
  const versions = registry
    .groupVersions(group)
    .map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

/** GET /api/v1 and /apis/{group}/{version}: the resources, with their `status` subresources. */
export function apiResourceList(types: readonly ResolvedResourceType[], groupVersion: string): KubeRecord {
  const resources: KubeRecord[] = [];
  for (const type of types) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...verbs, 'deletecollection'],
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      storageVersionHash: '',
    });
    if (type.hasStatus) {
      resources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/** GET /version */
export function versionInfo(): KubeRecord {
  return {
    major: '1',
    minor: '35',
    gitVersion: 'v1.35.0-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.25.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
