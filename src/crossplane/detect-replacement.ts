import { isRecord, splitApiVersion } from '../model/kube-object.ts';
import type { FieldChange } from './diff-composed.ts';
import {
  FieldPathError,
  type FieldPathSegment,
  formatFieldPath,
  getFieldValue,
  parseFieldPath,
} from './field-path.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';

/**
 * A field the CRD declares immutable through a CEL transition rule. `segments` may hold `*` (any list
 * item or map key); `guard` is how many leading segments must exist on both sides for the API server
 * to evaluate the rule (transition rules run only when the value they sit on has an old and a new value).
 */
interface ImmutableRule {
  segments: FieldPathSegment[];
  guard: number;
}

export interface ReplacementCheck {
  /** Changed fields (Crossplane field paths) whose new value the API server rejects in place. */
  forced: string[];
  /** Immutable fields whose new value is only known after apply: they may force a replacement. */
  unknown: string[];
}

export interface ReplacementDetector {
  check(o: {
    apiVersion: string;
    kind: string;
    before: Record<string, unknown>;
    after: Record<string, unknown>;
    changes: readonly FieldChange[];
  }): ReplacementCheck;
}

const MAX_SCHEMA_DEPTH = 64;
const WILDCARD: FieldPathSegment = { type: 'field', field: '*' };
const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';
const PARENT_RULE = new RegExp(`^self\\.(${IDENTIFIER})==oldSelf\\.(${IDENTIFIER})$`);
const PARENT_RULE_REVERSED = new RegExp(`^oldSelf\\.(${IDENTIFIER})==self\\.(${IDENTIFIER})$`);

function isCrdObject(object: Record<string, unknown>): boolean {
  return (
    object.kind === 'CustomResourceDefinition' &&
    typeof object.apiVersion === 'string' &&
    object.apiVersion.startsWith('apiextensions.k8s.io/')
  );
}

/** The structural schema of one served version (apiextensions v1, or v1beta1's top-level validation). */
function servedSchema(crd: Record<string, unknown>, version: string): Record<string, unknown> | undefined {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  const entry = versions.find((v) => v.name === version);
  if (entry) {
    if (entry.served === false) return undefined;
    const schema = isRecord(entry.schema) ? entry.schema.openAPIV3Schema : undefined;
    if (isRecord(schema)) return schema;
  } else if (spec.version !== version) {
    return undefined;
  }
  const legacy = isRecord(spec.validation) ? spec.validation.openAPIV3Schema : undefined;
  return isRecord(legacy) ? legacy : undefined;
}

/** The fields a CEL rule on a schema node makes immutable: the node itself, or one named child. */
function ruleTargets(rule: string): { self: true } | { child: string } | undefined {
  const compact = rule.replace(/\s+/g, '');
  if (compact === 'self==oldSelf' || compact === 'oldSelf==self') return { self: true };
  const m = PARENT_RULE.exec(compact) ?? PARENT_RULE_REVERSED.exec(compact);
  if (m && m[1] === m[2]) return { child: m[1]! };
  return undefined;
}

function collectRules(
  schema: Record<string, unknown>,
  prefix: FieldPathSegment[],
  out: ImmutableRule[],
  depth: number,
): void {
  if (depth > MAX_SCHEMA_DEPTH) return;
  const validations = Array.isArray(schema['x-kubernetes-validations'])
    ? schema['x-kubernetes-validations'].filter(isRecord)
    : [];
  for (const validation of validations) {
    if (typeof validation.rule !== 'string') continue;
    const target = ruleTargets(validation.rule);
    if (!target) continue;
    // A rule on the root would freeze the whole object (metadata included): not a field-level signal.
    if ('self' in target && prefix.length > 0) out.push({ segments: prefix, guard: prefix.length });
    if ('child' in target) {
      out.push({ segments: [...prefix, { type: 'field', field: target.child }], guard: prefix.length });
    }
  }
  const properties = isRecord(schema.properties) ? schema.properties : {};
  for (const [name, child] of Object.entries(properties)) {
    if (isRecord(child)) collectRules(child, [...prefix, { type: 'field', field: name }], out, depth + 1);
  }
  if (isRecord(schema.additionalProperties)) {
    collectRules(schema.additionalProperties, [...prefix, WILDCARD], out, depth + 1);
  }
  // Kubernetes evaluates transition rules below a list only when its items correlate by key
  // (x-kubernetes-list-type: map); under atomic lists and sets oldSelf does not exist.
  if (isRecord(schema.items) && schema['x-kubernetes-list-type'] === 'map') {
    collectRules(schema.items, [...prefix, WILDCARD], out, depth + 1);
  }
}

function immutableRules(crd: Record<string, unknown>, version: string): ImmutableRule[] {
  const schema = servedSchema(crd, version);
  const out: ImmutableRule[] = [];
  if (schema) collectRules(schema, [], out, 0);
  return out;
}

/**
 * The fields of one served version of a CRD that CEL transition rules make immutable
 * (`self == oldSelf` on the field, or `self.x == oldSelf.x` on its parent), as Crossplane field paths
 * where `[*]` stands for any list item or map key. Empty when the version is not served.
 */
export function immutableFieldPaths(crd: Record<string, unknown>, version: string): string[] {
  return [...new Set(immutableRules(crd, version).map((r) => formatFieldPath(r.segments)))].sort();
}

function matches(rule: readonly FieldPathSegment[], path: readonly FieldPathSegment[]): boolean {
  if (rule.length > path.length) return false;
  return rule.every((s, i) => {
    const p = path[i]!;
    if (s.type === 'field' && s.field === '*') return true;
    return s.type === p.type && (s.type === 'field' ? s.field === (p as typeof s).field : false);
  });
}

function exists(object: Record<string, unknown>, segments: readonly FieldPathSegment[]): boolean {
  if (segments.length === 0) return true;
  try {
    return getFieldValue(object, segments).found;
  } catch (error) {
    if (error instanceof FieldPathError) return false;
    throw error;
  }
}

/**
 * Finds composed resource updates the API server would reject because they change an immutable field,
 * from the provider CRDs among `objects` (matched by group, kind and served version). Such a resource
 * cannot be updated in place: applying the change means deleting and recreating it. Without the CRD
 * nothing is known and every update stays an update.
 */
export function createReplacementDetector(
  objects: readonly { object: Record<string, unknown> }[],
): ReplacementDetector {
  const crds = new Map<string, Record<string, unknown>>();
  for (const { object } of objects) {
    if (!isCrdObject(object) || !isRecord(object.spec)) continue;
    const { group, names } = object.spec;
    if (typeof group !== 'string' || !isRecord(names) || typeof names.kind !== 'string') continue;
    crds.set(`${group}/${names.kind}`, object);
  }
  const rulesMemo = new Map<string, ImmutableRule[]>();
  const rulesFor = (apiVersion: string, kind: string): ImmutableRule[] => {
    const { group, version } = splitApiVersion(apiVersion);
    const key = `${group}/${kind}/${version}`;
    let rules = rulesMemo.get(key);
    if (!rules) {
      const crd = crds.get(`${group}/${kind}`);
      rules = crd ? immutableRules(crd, version) : [];
      rulesMemo.set(key, rules);
    }
    return rules;
  };
  return {
    check({ apiVersion, kind, before, after, changes }) {
      const forced: string[] = [];
      const unknown: string[] = [];
      const rules = crds.size > 0 ? rulesFor(apiVersion, kind) : [];
      if (rules.length === 0) return { forced, unknown };
      for (const change of changes) {
        let segments: FieldPathSegment[];
        try {
          segments = parseFieldPath(change.path);
        } catch (error) {
          if (error instanceof FieldPathError) continue;
          throw error;
        }
        const hit = rules.some((rule) => {
          if (!matches(rule.segments, segments)) return false;
          const guarded = segments.slice(0, rule.guard);
          return exists(before, guarded) && exists(after, guarded);
        });
        if (!hit) continue;
        if (change.before === KNOWN_AFTER_APPLY || change.after === KNOWN_AFTER_APPLY)
          unknown.push(change.path);
        else forced.push(change.path);
      }
      return { forced, unknown };
    },
  };
}
