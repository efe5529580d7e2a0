/**
 * Argo CD `ignoreDifferences` on rendered objects.
 *
 * A rule applies to an object when all of these hold (Argo CD's matching):
 * - `group` matches the object's API group: absent or `''` means the core group, `*` is a wildcard
 *   (`*` alone matches any group, `*.crossplane.io` a suffix);
 * - `kind` matches the same way (`*` for any kind);
 * - `name` and `namespace`, when set, equal the object's.
 *
 * `jsonPointers` are RFC 6901 pointers (`~1` is `/`, `~0` is `~`); each is removed on its own, and one
 * that designates nothing is skipped, as Argo CD does. `jqPathExpressions` support the jq subset
 * documented in `jq-path-expression.ts`:
 *   `.a.b`, `.a["key.with.dots"]`, `.a[0]`, `.a[]`, `select(.k == "v")` (and `!=`, string, number,
 *   boolean or null literals), optional `?`, chained with `|`,
 *   e.g. `.spec.template.spec.containers[] | select(.name == "app") | .resources`.
 * Every expression of every rule is parsed up front, whether or not the rule matches the object, and
 * one outside the subset throws UnsupportedJqExpressionError: a rule is never silently dropped.
 * `managedFieldsManagers` needs a live object and does not apply to rendered manifests.
 */
import type { IgnoreDifference } from '../gitops/application.ts';
import { isRecord, type KubeObject, splitApiVersion } from '../model/kube-object.ts';
import { deleteJqPaths, type JqPathExpression, parseJqPathExpression } from './jq-path-expression.ts';

export { UnsupportedJqExpressionError } from './jq-path-expression.ts';

function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return re.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ruleMatches(rule: IgnoreDifference, obj: KubeObject): boolean {
  const { group } = splitApiVersion(String(obj.apiVersion ?? ''));
  const metadata: Record<string, unknown> = isRecord(obj.metadata) ? obj.metadata : {};
  return (
    globMatch(rule.group ?? '', group) &&
    globMatch(rule.kind ?? '', String(obj.kind ?? '')) &&
    (!rule.name || rule.name === metadata.name) &&
    (!rule.namespace || rule.namespace === (metadata.namespace ?? ''))
  );
}

/** RFC 6901 reference tokens; undefined for a pointer that is not `''` and does not start with `/`. */
function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function removePointer(root: unknown, pointer: string): void {
  const tokens = parsePointer(pointer);
  // The whole document is never removed: a rule hides fields, not objects.
  if (!tokens || tokens.length === 0) return;
  let parent: unknown = root;
  for (const token of tokens.slice(0, -1)) {
    parent = child(parent, token);
    if (parent === undefined) return;
  }
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length);
    if (index !== undefined) parent.splice(index, 1);
  } else if (isRecord(parent) && Object.hasOwn(parent, last)) {
    delete parent[last];
  }
}

function child(value: unknown, token: string): unknown {
  if (Array.isArray(value)) {
    const index = arrayIndex(token, value.length);
    return index === undefined ? undefined : value[index];
  }
  if (isRecord(value) && Object.hasOwn(value, token)) return value[token];
  return undefined;
}

function arrayIndex(token: string, length: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < length ? index : undefined;
}

/**
 * A deep copy of `obj` without the fields that the matching rules ignore. Throws
 * UnsupportedJqExpressionError when any rule holds a jq expression outside the supported subset.
 */
export function applyIgnoreDifferences(obj: KubeObject, rules: readonly IgnoreDifference[]): KubeObject {
  const parsed = rules.map((rule) => ({
    rule,
    jq: (rule.jqPathExpressions ?? []).map((e): JqPathExpression => parseJqPathExpression(e)),
  }));
  const copy = structuredClone(obj);
  for (const { rule, jq } of parsed) {
    if (!ruleMatches(rule, obj)) continue;
    for (const pointer of rule.jsonPointers ?? []) removePointer(copy, pointer);
    for (const expression of jq) deleteJqPaths(copy, expression);
  }
  return copy;
}
