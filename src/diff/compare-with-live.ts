import { isRecord, type KubeObject, splitApiVersion } from '../model/kube-object.ts';
import type { LiveResource } from '../model/plan-report.ts';
import { normalizeObject, sortKeysDeep } from './normalize-object.ts';
import { redactSecrets } from './redact-secrets.ts';
import { clusterScopedCrdKinds, resourceId, resourceKey } from './resource-key.ts';
import { toYaml, unifiedDiff } from './unified-diff.ts';

/** What stands for a live value of another shape than the rendered one: its shape, never its content. */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `(a list of ${value.length})`;
  if (isRecord(value)) return '(a mapping)';
  return '(a value)';
}

/**
 * The live object seen through the fields the render sets: a mapping keeps only the render's keys (the API
 * server's defaults and other managers' fields are not this change's), a list keeps its length with each item seen
 * through the rendered item of that place (or the last one), and a live mapping or list where the render has a
 * value of another shape shows as its shape only — nothing of the live object the render does not name is shown.
 * What the render sets that live lacks stays absent, and shows.
 */
function project(live: unknown, rendered: unknown): unknown {
  if (isRecord(rendered)) {
    if (!isRecord(live)) return Array.isArray(live) ? shapeOf(live) : live;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(rendered)) {
      if (Object.hasOwn(live, key)) out[key] = project(live[key], rendered[key]);
    }
    return out;
  }
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live)) return isRecord(live) ? shapeOf(live) : live;
    if (rendered.length === 0) return live.length === 0 ? [] : shapeOf(live);
    return live.map((item, i) => project(item, rendered[Math.min(i, rendered.length - 1)]));
  }
  return isRecord(live) || Array.isArray(live) ? shapeOf(live) : live;
}

function isSecret(obj: KubeObject): boolean {
  return obj.kind === 'Secret' && splitApiVersion(String(obj.apiVersion ?? '')).group === '';
}

function label(side: 'live' | 'head', id: { kind: string; namespace: string; name: string }): string {
  return [side, id.kind, ...(id.namespace ? [id.namespace] : []), id.name].join('/');
}

/**
 * What applying the head render would do to the live objects, per rendered resource: `create` (not live),
 * `update` (a field the render sets differs; with the diff from live to head), `identical` (the takeover "diff of
 * zero"), or `not-compared` for Secrets (Argo CD masks their values, so equality cannot be told). Live objects
 * the render no longer has are not listed: what Argo CD prunes is the base/head diff's `delete`.
 */
export function compareWithLive(o: {
  head: readonly KubeObject[];
  live: readonly KubeObject[];
  defaultNamespace: string;
  contextLines: number;
}): LiveResource[] {
  const scoped = clusterScopedCrdKinds([...o.head, ...o.live]);
  const live = new Map<string, KubeObject>();
  for (const object of o.live) {
    live.set(resourceKey(resourceId(object, o.defaultNamespace, scoped)), object);
  }
  const out: LiveResource[] = [];
  for (const rendered of o.head) {
    const id = resourceId(rendered, o.defaultNamespace, scoped);
    const where = { group: id.group, kind: id.kind, namespace: id.namespace, name: id.name };
    const current = live.get(resourceKey(id));
    if (current === undefined) {
      out.push({ ...where, action: 'create' });
      continue;
    }
    if (isSecret(rendered)) {
      out.push({ ...where, action: 'not-compared', reason: 'Secret values are masked by Argo CD' });
      continue;
    }
    const normalized = normalizeObject(rendered, o.defaultNamespace, scoped);
    const seen = sortKeysDeep(project(normalizeObject(current, o.defaultNamespace, scoped), normalized));
    // Secrets nested in other objects (a provider-kubernetes Object, a List) are redacted as in the base/head diff.
    const redacted = redactSecrets(seen as KubeObject, normalized);
    const before = toYaml(redacted.base);
    const after = toYaml(redacted.head);
    if (before === after) out.push({ ...where, action: 'identical' });
    else {
      const diff = unifiedDiff(label('live', id), label('head', id), before, after, o.contextLines);
      out.push({ ...where, action: 'update', diff });
    }
  }
  return out.sort((a, b) =>
    resourceKey({ ...a, version: '' }).localeCompare(resourceKey({ ...b, version: '' })),
  );
}
