/** JSON with object keys sorted, so equal values always serialize identically. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

const memo = new WeakMap<object, string>();

/**
 * `stableStringify` of a value that is never mutated (a parsed manifest shared between revisions and plans, an
 * app's sources), computed once per object: unchanged files give the same objects, so most comparisons are free.
 */
export function frozenStringify(value: object): string {
  let text = memo.get(value);
  if (text === undefined) {
    text = stableStringify(value);
    memo.set(value, text);
  }
  return text;
}
