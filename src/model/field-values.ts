import { isRecord } from './kube-object.ts';

/**
 * A manifest's string map (labels, annotations, Secret stringData): the string-valued entries only.
 * `__proto__` is dropped, since keys come from repository files and the result is a plain object.
 */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, entry] of Object.entries(value)) {
    if (key !== '__proto__' && typeof entry === 'string') out[key] = entry;
  }
  return out;
}

/** A field that holds one string or a list of strings (kustomization `resources`, `patches`...). */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A field that holds a list of objects (kustomization `patches`, chart `dependencies`...): the object entries only. */
export function recordList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
