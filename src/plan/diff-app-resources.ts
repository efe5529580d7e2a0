import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { customizationRules, exclusionOf } from '../diff/argocd-resource-settings.ts';
import { diffResources } from '../diff/diff-resources.ts';
import { withoutTestHooks } from '../diff/unapplied-hooks.ts';
import type { Application } from '../gitops/application.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { AppReport } from '../model/plan-report.ts';

/** Rendered objects split into what the Argo CD instance applies and what it does not (`Kind ns/name (why)`). */
export interface ManagedObjects {
  applied: KubeObject[];
  skipped: string[];
}

/** Drops what the Argo CD instance does not manage (resource exclusions/inclusions), listing it as not applied. */
function withoutUnmanaged(
  split: ManagedObjects,
  settings: MergeplaneConfig['argocd'],
  cluster: string | undefined,
  defaultNamespace: string,
): ManagedObjects {
  const applied: KubeObject[] = [];
  const skipped = [...split.skipped];
  for (const object of split.applied) {
    const excluded = exclusionOf(object, settings, cluster);
    if (excluded === undefined) {
      applied.push(object);
      continue;
    }
    const namespace = object.metadata.namespace || defaultNamespace;
    skipped.push(`${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata.name} (${excluded})`);
  }
  return { applied, skipped };
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
    withoutUnmanaged(
      withoutTestHooks(objects, defaultNamespace),
      settings,
      app.destination.server,
      defaultNamespace,
    );
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
