import { isRecord } from '../../model/kube-object.ts';

/**
 * One generator result. Keys come from repository files, so parameter sets and everything nested in them
 * are null-prototype objects: a key like `constructor` is data, never an inherited member.
 */
export type ParamSet = Record<string, unknown>;

export function newParamSet(): ParamSet {
  return Object.create(null) as ParamSet;
}

const MAX_DEPTH = 64;

/**
 * Deep copy of untrusted data into plain JSON-like values with null-prototype records. `__proto__` keys are
 * refused (`fail` is called with a reason); non-JSON values (dates, functions) become strings.
 */
export function toSafeData(value: unknown, fail: (reason: string) => never, depth = 0): unknown {
  if (depth > MAX_DEPTH) fail(`data nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map((v) => toSafeData(v, fail, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (isRecord(value)) {
    const out = newParamSet();
    for (const key of Object.keys(value)) {
      if (key === '__proto__') fail('a "__proto__" key is not allowed');
      out[key] = toSafeData(value[key], fail, depth + 1);
    }
    return out;
  }
  return String(value);
}

/** Deep copy into ordinary objects for output; keys were checked on the way in. */
export function toPlainData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlainData);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__') continue;
      out[key] = toPlainData(value[key]);
    }
    return out;
  }
  return value;
}
