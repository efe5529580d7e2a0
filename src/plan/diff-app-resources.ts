import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { customizationRules, exclusionOf } from '../diff/argocd-resource-settings.ts';
import { diffResources } from '../diff/diff-resources.ts';
import { withoutTestHooks, withoutUnapplied } from '../diff/unapplied-hooks.ts';
import type { Application } from '../gitops/application.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { AppReport } from '../model/plan-report.ts';

/** Rendered objects split into what the Argo CD instance applies and what it does not (`Kind ns/name (why)`). */
export interface ManagedObjects {
  applied: KubeObject[];
  skipped: string[];
}

/**
 * What the Argo CD instance applies of a render: test and Skip hooks left out first, then what it does not manage
 * (resource exclusions/inclusions); both listed as not applied, in that order.
 */
function managedObjects(
  objects: readonly KubeObject[],
  settings: MergeplaneConfig['argocd'],
  cluster: string | undefined,
  defaultNamespace: string,
): ManagedObjects {
  const hooks = withoutTestHooks(objects, defaultNamespace);
  const unmanaged = withoutUnapplied(hooks.applied, defaultNamespace, (object) =>
    exclusionOf(object, settings, cluster),
  );
  return { applied: unmanaged.applied, skipped: [...hooks.skipped, ...unmanaged.skipped] };
}

/**
 * The resource changes of one app between its two renders, as the Argo CD instance would see them: test and
 * Skip hooks and unmanaged kinds left out, the app's, the repository's and the instance's ignoreDifferences
 * applied, the instance's tracking metadata added. Throws UnsupportedJqExpressionError for a jq rule outside
 * the supported subset.
 */
export function diffAppResources(o: {
  app: Application;
  base: readonly KubeObject[];
  head: readonly KubeObject[];
  config: MergeplaneConfig;
}): {
  resources: NonNullable<AppReport['resources']>;
  baseObjects: ManagedObjects;
  headObjects: ManagedObjects;
} {
  const { app, config } = o;
  const settings = config.argocd;
  const defaultNamespace = app.destination.namespace ?? '';
  const managed = (objects: readonly KubeObject[]) =>
    managedObjects(objects, settings, app.destination.server, defaultNamespace);
  const baseObjects = managed(o.base);
  const headObjects = managed(o.head);
  const resources = diffResources({
    base: baseObjects.applied,
    head: headObjects.applied,
    ignoreDifferences: [
      ...app.ignoreDifferences,
      ...config.diff.ignoreDifferences,
      ...customizationRules(settings),
    ],
    defaultNamespace,
    contextLines: config.diff.contextLines,
    ...(settings.trackingMethod
      ? {
          tracking: {
            method: settings.trackingMethod,
            labelKey: settings.instanceLabelKey,
            appName:
              app.namespace === config.delivery.argocdNamespace ? app.name : `${app.namespace}_${app.name}`,
          },
        }
      : {}),
  });
  return { resources, baseObjects, headObjects };
}
