import { isRecord, splitApiVersion } from '../model/kube-object.ts';
import type { ClaimReport, ComposedResourcePlan } from '../model/plan-report.ts';
import type { ReplacementDetector } from './detect-replacement.ts';
import { diffComposed } from './diff-composed.ts';
import { COMPOSITION_RESOURCE_NAME_ANNOTATION, type ComposedResult } from './render-composed.ts';
import type { SchemaViolation } from './validate-against-xrd.ts';

/** A gate finding of the claim plan (`claims` fails; `destructive` and `blocked` need approval). */
export interface ClaimFinding {
  id: 'claims' | 'destructive' | 'blocked';
  status: 'fail' | 'needs-approval';
  message: string;
  file?: string;
  line?: number;
}

/** Fields the composed entry already shows as its apiVersion, kind and name. */
const IDENTITY_PATHS = new Set([
  'apiVersion',
  'kind',
  `metadata.annotations[${COMPOSITION_RESOURCE_NAME_ANNOTATION}]`,
]);

type DeleteOutcome = 'destroy' | 'orphan' | 'not-managed';

/**
 * What deleting a composed resource does outside the cluster. Managed resources delete their external
 * resource unless `deletionPolicy: Orphan` or management policies without Delete (observe-only);
 * v2 namespaced managed resources have no deletionPolicy and default to Delete.
 */
function deleteOutcome(object: Record<string, unknown>): DeleteOutcome {
  const { group } = splitApiVersion(String(object.apiVersion ?? ''));
  if (!group.includes('.') || group.endsWith('.k8s.io')) return 'not-managed';
  const spec = isRecord(object.spec) ? object.spec : {};
  if (spec.deletionPolicy === 'Orphan') return 'orphan';
  const policies = spec.managementPolicies;
  if (Array.isArray(policies) && !policies.includes('*') && !policies.includes('Delete')) return 'orphan';
  return 'destroy';
}

export interface ComposedChanges {
  composed: ComposedResourcePlan[];
  /** `Kind name` of managed resources whose external resource is destroyed. */
  destroyed: string[];
  /** `Kind name (immutable fields)` of managed resources whose update the provider will reject. */
  blocked: string[];
  summary: ClaimReport['summary'];
  /** Some composed resource is created, changed or deleted. */
  changed: boolean;
}

/**
 * The composed resources' changes, Terraform-style, but as Crossplane behaves: an update of an immutable field (per
 * the provider CRDs) is `blocked` — providers never destroy an external resource to update it, the API server
 * rejects the update and the managed resource stays `Synced=False` until someone deletes it. A delete destroys
 * unless orphaned; notes name immutable fields known only after apply.
 */
export function planComposedChanges(
  before: ComposedResult | undefined,
  after: ComposedResult | undefined,
  replacement: ReplacementDetector,
  notes: string[],
): ComposedChanges {
  const diff = diffComposed(before, after);
  const baseByName = new Map((before?.resources ?? []).map((r) => [r.name, r.object]));
  const headByName = new Map((after?.resources ?? []).map((r) => [r.name, r.object]));
  const result: ComposedChanges = {
    composed: [],
    destroyed: [],
    blocked: [],
    summary: { add: 0, change: 0, destroy: 0, blocked: 0 },
    changed: false,
  };
  const summary = result.summary!;
  for (const change of diff.resources) {
    if (change.action === 'unchanged') continue;
    result.changed = true;
    let action: string = change.action;
    const immutable =
      change.action === 'update'
        ? replacement.check({
            apiVersion: change.apiVersion,
            kind: change.kind,
            before: baseByName.get(change.name) ?? {},
            after: headByName.get(change.name) ?? {},
            changes: change.changes,
          })
        : { forced: [], unknown: [] };
    for (const path of immutable.unknown) {
      notes.push(
        `${change.kind} ${change.name}: immutable field ${path} is known only after apply; a new value would be rejected and block the update`,
      );
    }
    if (immutable.forced.length > 0) {
      action = 'blocked';
      summary.blocked = (summary.blocked ?? 0) + 1;
      result.blocked.push(`${change.kind} ${change.name} (immutable ${immutable.forced.join(', ')})`);
    } else if (change.action === 'create') summary.add++;
    else if (change.action === 'update') summary.change++;
    else {
      const outcome = deleteOutcome(baseByName.get(change.name) ?? {});
      if (outcome === 'orphan') action = 'orphan';
      else summary.destroy++;
      if (outcome === 'destroy') result.destroyed.push(`${change.kind} ${change.name}`);
    }
    result.composed.push({
      apiVersion: change.apiVersion,
      kind: change.kind,
      name: change.name,
      action,
      fields: change.changes
        .filter((c) => change.action === 'update' || !IDENTITY_PATHS.has(c.path))
        .map((c) => ({
          path: c.path,
          before: c.before,
          after: c.after,
          ...(immutable.forced.includes(c.path) ? { immutable: true } : {}),
        })),
    });
  }
  return result;
}

/** What a blocked update does, in the report and the gate. */
export const BLOCKED_CONSEQUENCE =
  'Crossplane will not replace this resource; the update will be rejected and the claim will stay not synced until the resource is deleted';

/**
 * The approval findings of one claim: blocked updates (`blocked`), destroyed resources and a deletion not predicted
 * (`destructive`).
 */
export function riskFindings(o: {
  label: string;
  action: ClaimReport['action'];
  destroyed: readonly string[];
  blocked: readonly string[];
  unknownDeletion: boolean;
  location: { file?: string; line?: number };
}): ClaimFinding[] {
  const findings: ClaimFinding[] = [];
  if (o.blocked.length > 0) {
    findings.push({
      id: 'blocked',
      status: 'needs-approval',
      message: `blocked update of ${o.blocked.join('; ')} composed by ${o.label}: ${BLOCKED_CONSEQUENCE}`,
      ...o.location,
    });
  }
  if (o.destroyed.length > 0 || o.unknownDeletion) {
    const what =
      o.action === 'delete'
        ? o.destroyed.length > 0 && !o.unknownDeletion
          ? `${o.label} and the managed resources it composes: ${o.destroyed.join(', ')}`
          : `${o.label} and the managed resources it composes (not predicted; deletionPolicy Delete assumed)`
        : `${o.destroyed.join(', ')} composed by ${o.label}`;
    findings.push({
      id: 'destructive',
      status: 'needs-approval',
      message: `destroys ${what}`,
      ...o.location,
    });
  }
  return findings;
}

const violationKey = (v: SchemaViolation) => `${v.path}\u0000${v.message}`;

/**
 * The `claims` findings: schema errors of the head manifest. An unchanged claim that was already invalid at base
 * is not the change's fault: noted, not failed.
 */
export function schemaFindings(o: {
  label: string;
  action: ClaimReport['action'];
  before: readonly SchemaViolation[];
  /** Undefined when the claim is gone at head. */
  after: readonly SchemaViolation[] | undefined;
  location: { file?: string; line?: number };
  notes: string[];
}): ClaimFinding[] {
  const findings: ClaimFinding[] = [];
  const before = new Set(o.before.map(violationKey));
  for (const error of o.after ?? []) {
    if ((o.action === 'unchanged' || o.action === 'deferred') && before.has(violationKey(error))) {
      o.notes.push(`invalid before this change: ${error.path}: ${error.message}`);
      continue;
    }
    findings.push({
      id: 'claims',
      status: 'fail',
      message: `${o.label}: ${error.path}: ${error.message}`,
      ...(error.file !== undefined ? { file: error.file } : o.location.file ? { file: o.location.file } : {}),
      ...(error.line !== undefined ? { line: error.line } : o.location.line ? { line: o.location.line } : {}),
    });
  }
  return findings;
}
