import { deepEqual, getPath, isRecord, type KubeRecord } from './json-values.ts';

/** One `metadata.managedFields` entry, in the real server's shape. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: KubeRecord;
  subresource?: string;
}

export type FieldPath = readonly string[];

/** Server-maintained fields nobody owns. */
const unownedMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/**
 * The owned leaves of an object: scalar values, lists (treated as atomic — the real server merges
 * lists with merge keys item by item, which this approximation does not) and empty maps.
 */
export function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (!isRecord(value) || (Object.keys(value).length === 0 && prefix.length > 0)) return [prefix];
  const paths: string[][] = [];
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined || child === null) continue;
    if (prefix.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && unownedMetadata.has(key)) continue;
    paths.push(...leafPaths(child, [...prefix, key]));
  }
  return paths;
}

export function toFieldsV1(paths: readonly FieldPath[]): KubeRecord {
  const root: KubeRecord = {};
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      const name = `f:${key}`;
      if (!isRecord(node[name])) node[name] = {};
      node = node[name] as KubeRecord;
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix: string[] = []): string[][] {
  if (!isRecord(fields)) return [];
  const children = Object.entries(fields).filter(([key]) => key.startsWith('f:'));
  if (children.length === 0) return prefix.length === 0 ? [] : [prefix];
  return children.flatMap(([key, child]) => fromFieldsV1(child, [...prefix, key.slice(2)]));
}

/** One path is the other or contains it. */
export function overlaps(a: FieldPath, b: FieldPath): boolean {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Leaves whose value differs between two versions, including leaves that disappeared. */
export function changedPaths(before: unknown, after: unknown): string[][] {
  const candidates = [...leafPaths(after), ...leafPaths(before)];
  const seen = new Set<string>();
  const changed: string[][] = [];
  for (const path of candidates) {
    const key = JSON.stringify(path);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!deepEqual(getPath(before, path), getPath(after, path))) changed.push(path);
  }
  return changed;
}

export function readManagedFields(metadata: KubeRecord): ManagedFieldsEntry[] {
  const raw = metadata.managedFields;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (entry): entry is ManagedFieldsEntry =>
      isRecord(entry) && typeof entry.manager === 'string' && isRecord(entry.fieldsV1),
  );
}

export function sameOwner(
  entry: ManagedFieldsEntry,
  manager: string,
  operation: 'Apply' | 'Update',
  subresource: string | undefined,
): boolean {
  return entry.manager === manager && entry.operation === operation && entry.subresource === subresource;
}

/**
 * Ownership after a non-apply write: the writer takes every leaf it changed, the others lose them
 * (the real server never reports conflicts for updates, it just moves ownership).
 */
export function recordUpdate(options: {
  entries: readonly ManagedFieldsEntry[];
  manager: string;
  apiVersion: string;
  subresource?: string;
  changed: readonly FieldPath[];
  /** The object after the write: removed leaves are taken from their owners but owned by nobody. */
  after: unknown;
  now: string;
}): ManagedFieldsEntry[] {
  const { manager, subresource, changed } = options;
  if (changed.length === 0) return [...options.entries];
  const next: ManagedFieldsEntry[] = [];
  let own: FieldPath[] = [];
  for (const entry of options.entries) {
    const paths = fromFieldsV1(entry.fieldsV1);
    if (sameOwner(entry, manager, 'Update', subresource)) {
      own = paths;
      continue;
    }
    const kept = paths.filter((p) => !changed.some((c) => overlaps(p, c)));
    if (kept.length > 0) next.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  }
  const present = changed.filter((p) => getPath(options.after, p) !== undefined);
  const merged = dedupe([...own.filter((p) => !changed.some((c) => overlaps(p, c))), ...present]);
  if (merged.length === 0) return next;
  next.push({
    manager,
    operation: 'Update',
    apiVersion: options.apiVersion,
    time: options.now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(merged),
    ...(subresource ? { subresource } : {}),
  });
  return next;
}

function dedupe(paths: readonly FieldPath[]): FieldPath[] {
  const seen = new Map<string, FieldPath>();
  for (const path of paths) seen.set(JSON.stringify(path), path);
  return [...seen.values()];
}
