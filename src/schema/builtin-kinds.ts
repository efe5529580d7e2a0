import { splitApiVersion } from '../model/kube-object.ts';

/**
 * API groups the Kubernetes API server serves itself, with the name prefix their definitions carry in the
 * OpenAPI description (`io.k8s.api.apps.v1.Deployment` → `IoK8sApiAppsV1Deployment` in kubernetes-models,
 * `AppsV1…` where client-node disambiguates a name). Only these groups are looked up in the bundled schemas:
 * a custom resource of another group that happens to share a kind name (`example.com/v1 Pod`) is never
 * checked against the built-in one.
 */
const BUILTIN_GROUPS: ReadonlyMap<string, { schemaPrefix: string; modelPrefix: string }> = new Map(
  [
    '',
    'admissionregistration.k8s.io',
    'apps',
    'authentication.k8s.io',
    'authorization.k8s.io',
    'autoscaling',
    'batch',
    'certificates.k8s.io',
    'coordination.k8s.io',
    'discovery.k8s.io',
    'events.k8s.io',
    'extensions',
    'flowcontrol.apiserver.k8s.io',
    'internal.apiserver.k8s.io',
    'networking.k8s.io',
    'node.k8s.io',
    'policy',
    'rbac.authorization.k8s.io',
    'resource.k8s.io',
    'scheduling.k8s.io',
    'storage.k8s.io',
    'storagemigration.k8s.io',
    'apiextensions.k8s.io',
    'apiregistration.k8s.io',
  ].map((group) => {
    // The Go package names the definition: the core group is `core`, other groups their first DNS label.
    const label =
      group === '' ? 'core' : group.slice(0, group.indexOf('.') === -1 ? undefined : group.indexOf('.'));
    const pascal = label.charAt(0).toUpperCase() + label.slice(1);
    // Two groups live outside k8s.io/api, so their definitions carry their own repository's prefix.
    const schemaPrefix =
      group === 'apiextensions.k8s.io'
        ? 'IoK8sApiextensionsApiserverPkgApisApiextensions'
        : group === 'apiregistration.k8s.io'
          ? 'IoK8sKubeAggregatorPkgApisApiregistration'
          : `IoK8sApi${pascal}`;
    return [group, { schemaPrefix, modelPrefix: pascal }];
  }),
);

const VERSION = /^v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** A kind of a built-in API group, with the names of its definition in the bundled packages. */
export interface BuiltinKind {
  group: string;
  version: string;
  kind: string;
  /** Module of kubernetes-models' precompiled validator: `kubernetes-models/_schemas/NAME`. */
  schemaName: string;
  /** client-node model class names to try, most specific first (`CoreV1Event`, then `V1Event`). */
  modelNames: string[];
}

/**
 * The built-in kind an object's apiVersion and kind name, or undefined for another group (a custom resource).
 * Names are checked against a strict pattern before they become a module specifier: they come from the pull request.
 */
export function builtinKind(apiVersion: string, kind: string): BuiltinKind | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const prefixes = BUILTIN_GROUPS.get(group);
  if (!prefixes || !VERSION.test(version) || !KIND.test(kind)) return undefined;
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  return {
    group,
    version,
    kind,
    schemaName: `${prefixes.schemaPrefix}${v}${kind}`,
    modelNames: [`${prefixes.modelPrefix}${v}${kind}`, `${v}${kind}`],
  };
}
