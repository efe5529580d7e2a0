import { isRecord, type KubeObject, splitApiVersion } from '../model/kube-object.ts';
import { isClusterScoped } from './resource-key.ts';

/** Written by the API server or by kubectl, never by the repository: a diff of them is noise. */
const SERVER_MANAGED_METADATA = [
  'creationTimestamp',
  'resourceVersion',
  'uid',
  'generation',
  'managedFields',
  'selfLink',
] as const;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Deep copy with object keys in sorted order, so equal objects serialize identically. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  // Only plain objects: anything else a YAML parser may yield (a Date, say) is a value, not a map.
  if (isRecord(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key]);
    return out;
  }
  return value;
}

/**
 * The object as it would compare in Argo CD: a sorted deep copy without `status`, server-managed
 * metadata, the last-applied annotation or empty label/annotation maps, and with the namespace that
 * Argo CD would apply a namespaced object to. Cluster-scoped objects lose a stray `metadata.namespace`,
 * which the API server ignores. `extraClusterScoped` is passed to `isClusterScoped`.
 */
export function normalizeObject(
  obj: KubeObject,
  defaultNamespace: string,
  extraClusterScoped?: ReadonlySet<string>,
): KubeObject {
  const copy = sortKeysDeep(obj) as KubeObject;
  delete copy.status;
  const metadata: Record<string, unknown> = isRecord(copy.metadata) ? copy.metadata : {};
  for (const field of SERVER_MANAGED_METADATA) delete metadata[field];
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (field === 'annotations' && isRecord(map)) delete map[LAST_APPLIED_ANNOTATION];
    if (map === null || (isRecord(map) && Object.keys(map).length === 0)) delete metadata[field];
  }
  const { group } = splitApiVersion(String(copy.apiVersion ?? ''));
  if (isClusterScoped(group, String(copy.kind ?? ''), extraClusterScoped)) {
    delete metadata.namespace;
  } else if (
    (typeof metadata.namespace !== 'string' || metadata.namespace === '') &&
    defaultNamespace !== ''
  ) {
    metadata.namespace = defaultNamespace;
  }
  copy.metadata = sortKeysDeep(metadata) as KubeObject['metadata'];
  return copy;
}
