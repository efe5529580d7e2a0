import type { IgnoreDifference } from '../gitops/application.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { ResourceChange } from '../model/plan-report.ts';
import { type Tracking, withTracking } from './argocd-resource-settings.ts';
import { applyIgnoreDifferences } from './ignore-differences.ts';
import { parseJqPathExpression } from './jq-path-expression.ts';
import { normalizeObject } from './normalize-object.ts';
import { pairRenamedResources, type SideText } from './pair-renamed-resources.ts';
import { redactSecrets } from './redact-secrets.ts';
import { clusterScopedCrdKinds, type ResourceId, resourceId, resourceKey } from './resource-key.ts';
import { hookPhases } from './unapplied-hooks.ts';
import { sideLabel, toYaml, unifiedDiff } from './unified-diff.ts';

export interface DiffResourcesOptions {
  base: readonly KubeObject[];
  head: readonly KubeObject[];
  /** Application and repository rules; see `applyIgnoreDifferences`. */
  ignoreDifferences: readonly IgnoreDifference[];
  /** The Application's destination namespace, given to namespaced objects without one. */
  defaultNamespace: string;
  /** Unchanged lines around each change in the unified diff; default 3. */
  contextLines?: number;
  /** The tracking metadata the Argo CD instance adds (argocd.trackingMethod); absent: none shown. */
  tracking?: Tracking;
}

interface Side {
  id: ResourceId;
  object: KubeObject;
}

function index(
  objects: readonly KubeObject[],
  defaultNamespace: string,
  scoped: ReadonlySet<string>,
  tracking: Tracking | undefined,
) {
  // Duplicates within one render: the last one wins, as a later `kubectl apply` of the same object would.
  const out = new Map<string, Side>();
  for (const obj of objects) {
    const id = resourceId(obj, defaultNamespace, scoped);
    const normalized = normalizeObject(obj, defaultNamespace, scoped);
    const object = tracking ? withTracking(normalized, tracking) : normalized;
    out.set(resourceKey(id), { id, object });
  }
  return out;
}

function compare(a: ResourceChange, b: ResourceChange): number {
  for (const field of ['group', 'kind', 'namespace', 'name'] as const) {
    if (a[field] < b[field]) return -1;
    if (a[field] > b[field]) return 1;
  }
  return 0;
}

/** Argo CD hook phases of the object, as the optional `hook` field of its change. */
function hookOf(object: KubeObject): { hook?: string } {
  const hook = hookPhases(object);
  return hook === undefined ? {} : { hook };
}

/**
 * The per-resource changes between two renders of one Application: objects pair by
 * group/kind/namespace/name; each pair is normalized, stripped of ignored fields and redacted
 * (Secrets) before its YAML is compared and diffed. Unchanged pairs are left out; the result is
 * sorted by group, kind, namespace, name. Throws UnsupportedJqExpressionError for a jq rule outside
 * the supported subset.
 */
export function diffResources(options: DiffResourcesOptions): ResourceChange[] {
  const { defaultNamespace, ignoreDifferences } = options;
  const context = Math.max(0, Math.floor(options.contextLines ?? 3));
  // Checked even when no object matches, so a bad rule surfaces on every plan, not only some.
  for (const rule of ignoreDifferences)
    for (const e of rule.jqPathExpressions ?? []) parseJqPathExpression(e);
  // The scope of a kind does not depend on the revision, so CRDs from either side count.
  const scoped = clusterScopedCrdKinds([...options.base, ...options.head]);
  const base = index(options.base, defaultNamespace, scoped, options.tracking);
  const head = index(options.head, defaultNamespace, scoped, options.tracking);
  const changes: ResourceChange[] = [];
  const deletes: SideText[] = [];
  const creates: SideText[] = [];
  for (const key of new Set([...base.keys(), ...head.keys()])) {
    const before = base.get(key);
    const after = head.get(key);
    const redacted = redactSecrets(
      before && applyIgnoreDifferences(before.object, ignoreDifferences),
      after && applyIgnoreDifferences(after.object, ignoreDifferences),
    );
    const oldText = toYaml(redacted.base);
    const newText = toYaml(redacted.head);
    if (before && after && oldText === newText) continue;
    const id = (after ?? before)!.id;
    const action = !before ? 'create' : !after ? 'delete' : 'update';
    const patch = unifiedDiff(
      sideLabel('base', before && id),
      sideLabel('head', after && id),
      oldText,
      newText,
      context,
    );
    const change: ResourceChange = {
      group: id.group,
      version: id.version,
      kind: id.kind,
      namespace: id.namespace,
      name: id.name,
      action,
      diff: patch,
      ...hookOf((after ?? before)!.object),
    };
    changes.push(change);
    if (action === 'delete') deletes.push({ change, text: oldText });
    if (action === 'create') creates.push({ change, text: newText });
  }
  if (deletes.length > 0 && creates.length > 0) pairRenamedResources(deletes, creates, context);
  return changes.sort(compare);
}
