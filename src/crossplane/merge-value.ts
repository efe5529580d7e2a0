import { isRecord } from '../model/kube-object.ts';

/** crossplane-runtime's MergeOptions: keep existing map values (no override) and/or append arrays. */
export interface MergeOptions {
  keepMapValues: boolean;
  appendSlice: boolean;
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.keys(value).length === 0;
  return false;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/**
 * Merges `src` onto the existing `dst` the way crossplane-runtime's `Paved.MergeValue` does
 * (mergo under the hood): without options the value is replaced; `keepMapValues` keeps existing
 * non-empty values (MergeObjects), otherwise source values win (ForceMergeObjects); `appendSlice`
 * appends arrays, dropping source items already present at the top level.
 */
export function mergeValue(dst: unknown, src: unknown, options: MergeOptions | undefined): unknown {
  if (!options || dst === undefined || dst === null || src === undefined || src === null)
    return structuredClone(src);
  let source = structuredClone(src);
  if (options.appendSlice && Array.isArray(dst) && Array.isArray(source)) {
    source = source.filter((item) => !dst.some((d) => deepEqual(d, item)));
  }
  return mergeEntry(structuredClone(dst), source, !options.keepMapValues, options.appendSlice);
}

function mergeEntry(dst: unknown, src: unknown, override: boolean, append: boolean): unknown {
  if (dst === undefined || isEmptyValue(dst)) {
    // mergo only fills an empty destination from a non-empty source unless overriding.
    return src === undefined ? dst : src;
  }
  if (isRecord(src)) {
    if (isRecord(dst)) {
      for (const [key, value] of Object.entries(src))
        dst[key] = mergeEntry(dst[key], value, override, append);
      return dst;
    }
    return override ? src : dst;
  }
  if (Array.isArray(src)) {
    if (append && Array.isArray(dst)) return [...dst, ...src];
    return override ? src : dst;
  }
  return override ? src : dst;
}
