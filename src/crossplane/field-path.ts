import { isRecord } from '../model/kube-object.ts';

/** One step of a Crossplane field path: an object field or an array index. */
export type FieldPathSegment = { type: 'field'; field: string } | { type: 'index'; index: number };

export class FieldPathError extends Error {
  override readonly name = 'FieldPathError';
}

const MAX_INDEX = 2 ** 32 - 1;

/**
 * Parses a Crossplane (crossplane-runtime `fieldpath`) path: `spec.a.b`, `spec.list[0]`,
 * `metadata.labels[app.kubernetes.io/name]`, `metadata.annotations["x"]` or `['x']`.
 * Inside brackets periods are not separators; an unsigned integer is an index, anything else a
 * field whose surrounding quotes are trimmed.
 */
export function parseFieldPath(path: string): FieldPathSegment[] {
  const segments: FieldPathSegment[] = [];
  let i = 0;
  let expectField = true;
  if (path.length === 0) throw new FieldPathError('empty field path');
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const close = path.indexOf(']', i + 1);
      if (close === -1) throw new FieldPathError(`unterminated "[" at position ${i} in ${path}`);
      if (close === i + 1) throw new FieldPathError(`unexpected "]" at position ${close} in ${path}`);
      const inner = path.slice(i + 1, close);
      if (inner.includes('[')) throw new FieldPathError(`unexpected "[" in ${path}`);
      segments.push(fieldOrIndex(inner));
      i = close + 1;
      expectField = false;
      if (i < path.length) {
        if (path[i] === '.') {
          if (i === path.length - 1) throw new FieldPathError(`unexpected trailing "." in ${path}`);
          if (path[i + 1] === '[' || path[i + 1] === '.') {
            throw new FieldPathError(`unexpected "${path[i + 1]}" at position ${i + 1} in ${path}`);
          }
          i++;
          expectField = true;
        } else if (path[i] !== '[') {
          throw new FieldPathError(`unexpected "${path[i]}" at position ${i} in ${path}`);
        }
      }
      continue;
    }
    if (c === '.' || c === ']') throw new FieldPathError(`unexpected "${c}" at position ${i} in ${path}`);
    if (!expectField) throw new FieldPathError(`unexpected "${c}" at position ${i} in ${path}`);
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') {
      if (path[end] === ']') throw new FieldPathError(`unexpected "]" at position ${end} in ${path}`);
      end++;
    }
    segments.push({ type: 'field', field: path.slice(i, end) });
    i = end;
    if (path[i] === '.') {
      if (i === path.length - 1) throw new FieldPathError(`unexpected trailing "." in ${path}`);
      if (path[i + 1] === '.' || path[i + 1] === '[') {
        throw new FieldPathError(`unexpected "${path[i + 1]}" at position ${i + 1} in ${path}`);
      }
      i++;
      expectField = true;
    } else {
      expectField = false;
    }
  }
  return segments;
}

function fieldOrIndex(inner: string): FieldPathSegment {
  if (/^\d+$/.test(inner)) {
    const index = Number(inner);
    if (index <= MAX_INDEX) return { type: 'index', index };
  }
  return { type: 'field', field: inner.replace(/^['"]+|['"]+$/g, '') };
}

/** Renders segments back to a canonical path (`a.b[0][x.y]`), as crossplane-runtime does. */
export function formatFieldPath(segments: readonly FieldPathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (s.type === 'index') out += `[${s.index}]`;
    else if (s.field === '*' || s.field.includes('.') || s.field.includes('[')) out += `[${s.field}]`;
    else out += out === '' ? s.field : `.${s.field}`;
  }
  return out;
}

export type FieldLookup = { found: true; value: unknown } | { found: false };

/** Reads a value; `found: false` when any step is missing (crossplane-runtime's NotFound). */
export function getFieldValue(object: unknown, path: string | readonly FieldPathSegment[]): FieldLookup {
  const segments = typeof path === 'string' ? parseFieldPath(path) : path;
  let current: unknown = object;
  for (const s of segments) {
    if (s.type === 'field') {
      if (!isRecord(current)) {
        if (current === undefined || current === null) return { found: false };
        throw new FieldPathError(`${formatFieldPath(segments)}: ${s.field} is not an object field`);
      }
      if (!Object.hasOwn(current, s.field)) return { found: false };
      current = current[s.field];
    } else {
      if (!Array.isArray(current)) {
        if (current === undefined || current === null) return { found: false };
        throw new FieldPathError(`${formatFieldPath(segments)}: [${s.index}] indexes a non-array`);
      }
      if (s.index >= current.length) return { found: false };
      current = current[s.index];
    }
  }
  return { found: true, value: current };
}

/** Writes a value, creating intermediate objects and arrays (padding arrays with null) as needed. */
export function setFieldValue(
  object: Record<string, unknown>,
  path: string | readonly FieldPathSegment[],
  value: unknown,
): void {
  const segments = typeof path === 'string' ? parseFieldPath(path) : path;
  let current: unknown = object;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    const next = segments[i + 1];
    const fresh = (): unknown => (next?.type === 'index' ? [] : {});
    if (s.type === 'field') {
      if (!isRecord(current))
        throw new FieldPathError(`${formatFieldPath(segments)}: cannot set a field on a non-object`);
      if (last) {
        current[s.field] = value;
        return;
      }
      const child = current[s.field];
      if (!isContainerFor(child, next)) current[s.field] = fresh();
      current = current[s.field];
    } else {
      if (!Array.isArray(current))
        throw new FieldPathError(`${formatFieldPath(segments)}: cannot index a non-array`);
      if (s.index > 10_000)
        throw new FieldPathError(`${formatFieldPath(segments)}: index ${s.index} is too large`);
      while (current.length <= s.index) current.push(null);
      if (last) {
        current[s.index] = value;
        return;
      }
      if (!isContainerFor(current[s.index], next)) current[s.index] = fresh();
      current = current[s.index];
    }
  }
}

function isContainerFor(value: unknown, next: FieldPathSegment | undefined): boolean {
  if (next === undefined) return false;
  return next.type === 'index' ? Array.isArray(value) : isRecord(value);
}

/** Expands `*` segments against the existing object, like crossplane-runtime's ExpandWildcards. */
export function expandWildcards(object: unknown, path: string): FieldPathSegment[][] {
  const segments = parseFieldPath(path);
  let results: { segments: FieldPathSegment[]; value: unknown }[] = [{ segments: [], value: object }];
  for (const s of segments) {
    const next: typeof results = [];
    for (const r of results) {
      if (s.type === 'field' && s.field === '*') {
        if (Array.isArray(r.value)) {
          r.value.forEach((v, index) => {
            next.push({ segments: [...r.segments, { type: 'index', index }], value: v });
          });
        } else if (isRecord(r.value)) {
          for (const [field, v] of Object.entries(r.value))
            next.push({ segments: [...r.segments, { type: 'field', field }], value: v });
        }
        continue;
      }
      const lookup = getFieldValue(r.value, [s]);
      next.push({ segments: [...r.segments, s], value: lookup.found ? lookup.value : undefined });
    }
    results = next;
  }
  return results.map((r) => r.segments);
}

/**
 * The line of a field in its manifest (`lineOf` of a parsed document), else of its deepest ancestor that has one
 * (`spec.forProvider.tags[2]` → `spec.forProvider.tags` → …); undefined when none has.
 */
export function lineOfNearest(
  path: string,
  lineOf: (path: string) => number | undefined,
): number | undefined {
  for (let p = path; p !== ''; ) {
    const line = lineOf(p);
    if (line !== undefined) return line;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
  return undefined;
}
