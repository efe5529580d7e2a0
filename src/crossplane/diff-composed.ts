import { redactSecrets } from '../diff/redact-secrets.ts';
import { isRecord } from '../model/kube-object.ts';
import { type FieldPathSegment, formatFieldPath } from './field-path.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';
import type { ComposedResult } from './render-composed.ts';

export interface FieldChange {
  path: string;
  /** Undefined when the field is absent. */
  before: unknown;
  after: unknown;
}

export interface ComposedChange {
  name: string;
  apiVersion: string;
  kind: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  changes: FieldChange[];
}

export interface ComposedDiff {
  resources: ComposedChange[];
  summary: { add: number; change: number; destroy: number };
  /** True when either side had steps whose composed resources could not be predicted. */
  incomplete: boolean;
}

/** Leaf fields of an object keyed by Crossplane field path; empty objects and arrays are leaves. */
function flatten(
  value: unknown,
  prefix: FieldPathSegment[] = [],
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (isRecord(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, [...prefix, { type: 'field', field: k }], out);
  } else if (Array.isArray(value) && value.length > 0) {
    value.forEach((v, i) => {
      flatten(v, [...prefix, { type: 'index', index: i }], out);
    });
  } else if (prefix.length > 0) {
    out.set(formatFieldPath(prefix), value);
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function underUnknown(path: string, unknownPaths: readonly string[]): boolean {
  return unknownPaths.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`));
}

function fieldChanges(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  unknownAfter: readonly string[],
): FieldChange[] {
  const b = flatten(before ?? {});
  const a = flatten(after ?? {});
  const paths = [...new Set([...b.keys(), ...a.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const path of paths) {
    const beforeValue = b.get(path);
    let afterValue = a.get(path);
    if (a.has(path) && underUnknown(path, unknownAfter)) afterValue = KNOWN_AFTER_APPLY;
    // An unknown on both sides cannot be compared; like Terraform, do not claim a change.
    if (afterValue === KNOWN_AFTER_APPLY && beforeValue === KNOWN_AFTER_APPLY) continue;
    if (b.has(path) === a.has(path) && sameValue(beforeValue, afterValue)) continue;
    changes.push({ path, before: beforeValue, after: afterValue });
  }
  return changes;
}

/**
 * Compares the composed resources of a claim/XR before and after a change, keyed by composition
 * resource name, as a Terraform-style plan.
 */
export function diffComposed(
  base: ComposedResult | undefined,
  head: ComposedResult | undefined,
): ComposedDiff {
  const baseByName = new Map((base?.resources ?? []).map((r) => [r.name, r]));
  const headByName = new Map((head?.resources ?? []).map((r) => [r.name, r]));
  const names = [...new Set([...baseByName.keys(), ...headByName.keys()])].sort();
  const resources: ComposedChange[] = names.map((name) => {
    const before = baseByName.get(name);
    const after = headByName.get(name);
    const identity = (after ?? before)!.object;
    const action = !before ? 'create' : !after ? 'delete' : undefined;
    // A composed Secret (v2 connection details) or a manifest embedding one never shows its values.
    const redacted = redactSecrets(before?.object, after?.object);
    const changes = fieldChanges(redacted.base, redacted.head, after?.unknownPaths ?? []);
    return {
      name,
      apiVersion: String(identity.apiVersion ?? ''),
      kind: String(identity.kind ?? ''),
      action: action ?? (changes.length > 0 ? 'update' : 'unchanged'),
      changes,
    };
  });
  return {
    resources,
    summary: {
      add: resources.filter((r) => r.action === 'create').length,
      change: resources.filter((r) => r.action === 'update').length,
      destroy: resources.filter((r) => r.action === 'delete').length,
    },
    incomplete: (base?.unsupported.length ?? 0) > 0 || (head?.unsupported.length ?? 0) > 0,
  };
}

/** `Plan: 1 to add, 2 to change, 0 to destroy.` */
export function formatPlanSummary(summary: ComposedDiff['summary']): string {
  return `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.`;
}
