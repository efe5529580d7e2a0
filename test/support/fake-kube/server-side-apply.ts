import { FakeKubeApiError } from './fake-kube-api-error.ts';
import { cloneJson, deepEqual, deletePath, getPath, isRecord, type KubeRecord } from './json-values.ts';
import {
  type FieldPath,
  fromFieldsV1,
  leafPaths,
  type ManagedFieldsEntry,
  overlaps,
  sameOwner,
  toFieldsV1,
} from './managed-fields.ts';

export interface ApplyInput {
  /** The stored object, or undefined when the apply creates it. */
  live: KubeRecord | undefined;
  /** The applied configuration, already restricted to what this endpoint may change. */
  applied: KubeRecord;
  entries: readonly ManagedFieldsEntry[];
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource?: string;
  /** For conflict messages: `kind "name"`. */
  describe: { kind: string; name: string };
  now: string;
}

export interface ApplyResult {
  object: KubeRecord;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Server-side apply, approximated:
 * - the applied leaves are merged into the live object (maps merge key by key, lists are atomic);
 * - a leaf another manager owns (by Apply or Update) with a different live value is a 409 conflict
 *   unless `force`, which moves the ownership to the applier; equal values are co-owned;
 * - leaves this manager applied last time and omits now are removed, unless someone else owns them.
 * Not modelled: associative lists (merge keys), `.` container ownership, schema defaulting.
 */
export function serverSideApply(input: ApplyInput): ApplyResult {
  const { manager, force, subresource } = input;
  const applied = withoutNulls(input.applied);
  const appliedPaths = leafPaths(applied);
  const live = input.live ? cloneJson(input.live) : {};

  const conflicts: Array<{ manager: string; path: FieldPath }> = [];
  for (const entry of input.entries) {
    if (sameOwner(entry, manager, 'Apply', subresource)) continue;
    for (const owned of fromFieldsV1(entry.fieldsV1)) {
      for (const path of appliedPaths) {
        if (!overlaps(owned, path)) continue;
        const value = getPath(applied, path);
        // Claiming an empty map does not claim its members.
        if (isRecord(value) && Object.keys(value).length === 0) continue;
        if (!deepEqual(getPath(live, path), value)) conflicts.push({ manager: entry.manager, path });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(input, conflicts);

  const previous = input.entries.find((e) => sameOwner(e, manager, 'Apply', subresource));
  const others = input.entries.filter((e) => e !== previous);
  for (const path of previous ? fromFieldsV1(previous.fieldsV1) : []) {
    if (appliedPaths.some((p) => overlaps(p, path))) continue;
    if (others.some((e) => fromFieldsV1(e.fieldsV1).some((p) => overlaps(p, path)))) continue;
    deletePath(live, path);
  }

  const object = mergeApplied(live, applied);
  const taken = conflicts.map((c) => c.path);
  const managedFields: ManagedFieldsEntry[] = [];
  for (const entry of others) {
    const kept = fromFieldsV1(entry.fieldsV1).filter((p) => !taken.some((t) => overlaps(p, t)));
    if (kept.length > 0) managedFields.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  }
  if (appliedPaths.length > 0) {
    managedFields.push({
      manager,
      operation: 'Apply',
      apiVersion: input.apiVersion,
      time: input.now,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(appliedPaths),
      ...(subresource ? { subresource } : {}),
    });
  }
  return { object, managedFields };
}

function mergeApplied(live: unknown, applied: unknown): KubeRecord {
  const result: KubeRecord = isRecord(live) ? live : {};
  if (!isRecord(applied)) return result;
  for (const [key, value] of Object.entries(applied)) {
    result[key] =
      isRecord(value) && isRecord(result[key]) ? mergeApplied(result[key], value) : cloneJson(value);
  }
  return result;
}

function withoutNulls(value: KubeRecord): KubeRecord {
  const out: KubeRecord = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null || child === undefined) continue;
    out[key] = isRecord(child) ? withoutNulls(child) : child;
  }
  return out;
}

function conflictError(
  input: ApplyInput,
  conflicts: Array<{ manager: string; path: FieldPath }>,
): FakeKubeApiError {
  const causes = conflicts.map((c) => ({
    type: 'FieldManagerConflict',
    message: `conflict with "${c.manager}"`,
    field: `.${c.path.join('.')}`,
  }));
  const lines = causes.map((c) => `- ${c.message}: ${c.field}`).join('\n');
  const noun = conflicts.length === 1 ? 'conflict' : 'conflicts';
  return new FakeKubeApiError('Conflict', `Apply failed with ${conflicts.length} ${noun}: ${lines}`, {
    name: input.describe.name,
    kind: input.describe.kind,
    causes,
  });
}
