/** A decoded JSON object (a Kubernetes object or any map inside one). */
export type KubeRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is KubeRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data, so callers never share mutable state with the store. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function getPath(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function setPath(root: KubeRecord, path: readonly string[], value: unknown): void {
  let current = root;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (isRecord(next)) current = next;
    else {
      const created: KubeRecord = {};
      current[key] = created;
      current = created;
    }
  }
  const last = path.at(-1);
  if (last !== undefined) current[last] = value;
}

/** Removes the value at `path`, then any map left empty on the way up. */
export function deletePath(root: KubeRecord, path: readonly string[]): void {
  if (path.length === 0) return;
  const parent = getPath(root, path.slice(0, -1));
  if (!isRecord(parent)) return;
  delete parent[path.at(-1)!];
  if (path.length > 1 && Object.keys(parent).length === 0) deletePath(root, path.slice(0, -1));
}

/** The metadata map of an object, created when missing. */
export function metadataOf(object: KubeRecord): KubeRecord {
  if (!isRecord(object.metadata)) object.metadata = {};
  return object.metadata as KubeRecord;
}

export function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
