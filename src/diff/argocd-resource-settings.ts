import type { ArgocdSettings, ResourceFilter } from '../config/argocd-settings.ts';
import type { IgnoreDifference } from '../gitops/application.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { splitApiVersion } from '../model/kube-object.ts';

function glob(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(text);
}

/** As Argo CD's FilteredResource.Match: every non-empty list must have a matching glob. */
function matches(filter: ResourceFilter, group: string, kind: string, cluster: string | undefined): boolean {
  const any = (patterns: readonly string[], value: string | undefined) =>
    patterns.length === 0 || value === undefined || patterns.some((p) => glob(p, value));
  return any(filter.apiGroups, group) && any(filter.kinds, kind) && any(filter.clusters, cluster);
}

/**
 * Whether the instance does not manage an object at all (`resource.exclusions`, or `resource.inclusions` that do
 * not name it): Argo CD neither applies nor diffs it. Returns the setting that excludes it.
 */
export function exclusionOf(
  object: KubeObject,
  settings: ArgocdSettings,
  cluster: string | undefined,
): string | undefined {
  const { group } = splitApiVersion(String(object.apiVersion ?? ''));
  const kind = String(object.kind ?? '');
  const { exclusions, inclusions } = settings.resource;
  if (exclusions.some((f) => matches(f, group, kind, cluster))) return 'resource.exclusions';
  if (inclusions.length > 0 && !inclusions.some((f) => matches(f, group, kind, cluster))) {
    return 'not in resource.inclusions';
  }
  return undefined;
}

/** `resource.customizations.ignoreDifferences.*` as ignoreDifferences rules (`all` applies to every kind). */
export function customizationRules(settings: ArgocdSettings): IgnoreDifference[] {
  return Object.entries(settings.resource.customizations.ignoreDifferences).map(([key, rule]) => {
    if (key === 'all') return { group: '*', kind: '*', ...rule };
    const at = key.lastIndexOf('_');
    return at === -1
      ? { group: '', kind: key, ...rule }
      : { group: key.slice(0, at), kind: key.slice(at + 1), ...rule };
  });
}

export interface Tracking {
  method: 'label' | 'annotation' | 'annotation+label';
  labelKey: string;
  /** The app's name as Argo CD writes it: `name`, or `namespace_name` outside the control-plane namespace. */
  appName: string;
}

export const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/**
 * The tracking metadata Argo CD adds to every object it applies (https://argo-cd.readthedocs.io/en/stable/
 * user-guide/resource_tracking/): the instance label and/or `tracking-id` =
 * `APP:GROUP/KIND:NAMESPACE/NAME`. Written on the normalized object, whose namespace is already resolved.
 */
export function withTracking(object: KubeObject, tracking: Tracking): KubeObject {
  const { group } = splitApiVersion(String(object.apiVersion ?? ''));
  const metadata = { ...object.metadata };
  if (tracking.method !== 'annotation') {
    metadata.labels = { ...(metadata.labels ?? {}), [tracking.labelKey]: tracking.appName };
  }
  if (tracking.method !== 'label') {
    const id = `${tracking.appName}:${group}/${object.kind}:${metadata.namespace ?? ''}/${metadata.name}`;
    metadata.annotations = { ...(metadata.annotations ?? {}), [TRACKING_ANNOTATION]: id };
  }
  return { ...object, metadata };
}
