import { isRecord } from '../../model/kube-object.ts';
import { newParamSet } from './param-set.ts';

/** mergo's notion of empty: a zero value may be filled in even without override. */
function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.keys(value).length === 0;
  return false;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isRecord(value)) {
    const out = newParamSet();
    for (const key of Object.keys(value)) out[key] = clone(value[key]);
    return out;
  }
  return value;
}

/**
 * `mergo.Merge(dst, src)` without override: src fills what dst lacks or holds empty, nested maps merge,
 * dst wins otherwise. Returns a new object.
 */
export function mergeMissing(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
): Record<string, unknown> {
  const out = clone(dst) as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    const incoming = src[key];
    if (isRecord(existing) && isRecord(incoming) && Object.keys(existing).length > 0) {
      out[key] = mergeMissing(existing, incoming);
    } else if (isEmptyValue(existing)) {
      out[key] = clone(incoming);
    }
  }
  return out;
}

/**
 * `mergo.Merge(dst, src, mergo.WithOverride)`: src wins, except that an empty src value does not erase dst;
 * nested maps merge. Returns a new object.
 */
export function mergeOverride(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
): Record<string, unknown> {
  const out = clone(dst) as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    const incoming = src[key];
    if (isRecord(existing) && isRecord(incoming)) out[key] = mergeOverride(existing, incoming);
    else if (!isEmptyValue(incoming) || !Object.hasOwn(out, key)) out[key] = clone(incoming);
  }
  return out;
}

/**
 * A strategic merge patch on an Application, whose types declare no merge keys: objects merge recursively,
 * lists and scalars replace, null deletes.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const out = (isRecord(target) ? clone(target) : newParamSet()) as Record<string, unknown>;
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(Object.hasOwn(out, key) ? out[key] : undefined, value);
  }
  return out;
}
