import { isRecord } from '../../model/kube-object.ts';
import { ownValue, setKey } from '../../model/own-keys.ts';
import { type FunctionSpec, MANY } from './function-table.ts';
import { isEmpty, strslice, strval } from './functions.ts';
import { goTypeName } from './go-format.ts';
import { GoTemplateError } from './go-template-error.ts';
import { isUnknown, requireKnown } from './unknown-value.ts';

/** Longest list `until`/`untilStep` may build: a template from a pull request must not exhaust memory. */
const MAX_LIST = 10_000;

function list(name: string, value: unknown): unknown[] {
  requireKnown(value, name);
  if (Array.isArray(value)) return value;
  throw new GoTemplateError(`error calling ${name}: cannot find ${name} on type ${goTypeName(value)}`);
}

function dict(name: string, value: unknown): Record<string, unknown> {
  requireKnown(value, name);
  // Never the prototype every object shares: writing to it would change every object of the process.
  if (isRecord(value) && value !== Object.prototype) return value;
  throw new GoTemplateError(
    `error calling ${name}: wrong type for value; expected map; got ${goTypeName(value)}`,
  );
}

export function int(value: unknown): number {
  requireKnown(value, 'a number');
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string') {
    const n = Number.parseInt(value, 10);
    return Number.isNaN(n) ? 0 : n;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return 0;
}

export function float(value: unknown): number {
  requireKnown(value, 'a number');
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = Number.parseFloat(value);
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** A copy of maps and lists; values known only after apply stay what they are (structuredClone would flatten them). */
function deepCopy(value: unknown): unknown {
  if (isUnknown(value)) return value;
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setKey(out, key, deepCopy(item));
    return out;
  }
  return value;
}

function boundedList(length: number): void {
  if (length > MAX_LIST) throw new GoTemplateError(`list of ${length} items exceeds ${MAX_LIST}`);
}

/** sprig's dig: walks nested maps by key, the last argument being the map and the one before it the default. */
function dig(args: unknown[]): unknown {
  const keys = args.slice(0, -2);
  const fallback = args.at(-2);
  let value: unknown = args.at(-1);
  for (const key of keys) {
    if (isUnknown(value)) return value.field(strval(key));
    if (!isRecord(value) || !Object.hasOwn(value, strval(key))) return fallback;
    value = value[strval(key)];
  }
  return value;
}

function merge(overwrite: boolean, [target, ...sources]: unknown[]): Record<string, unknown> {
  const out = dict(overwrite ? 'mergeOverwrite' : 'merge', target);
  const into = (to: Record<string, unknown>, from: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(from)) {
      const current = ownValue(to, key);
      if (isRecord(current) && isRecord(value)) into(current, value);
      else if (overwrite || !Object.hasOwn(to, key) || isEmpty(current)) setKey(to, key, value);
    }
  };
  for (const source of sources) into(out, dict('merge', source));
  return out;
}

const spec = (min: number, max: number, fn: FunctionSpec['fn']): FunctionSpec => ({ min, max, fn });

/** Sprig's list and dict functions (github.com/Masterminds/sprig/v3), with Sprig's semantics. */
export const SPRIG_COLLECTIONS = new Map<string, FunctionSpec>([
  ['list', spec(0, MANY, (args) => [...args])],
  ['tuple', spec(0, MANY, (args) => [...args])],
  [
    'dict',
    spec(0, MANY, (args) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i += 2)
        setKey(out, strval(args[i]), i + 1 < args.length ? args[i + 1] : '');
      return out;
    }),
  ],
  ['append', spec(2, 2, ([l, v]) => [...list('append', l), v])],
  ['push', spec(2, 2, ([l, v]) => [...list('push', l), v])],
  ['prepend', spec(2, 2, ([l, v]) => [v, ...list('prepend', l)])],
  ['concat', spec(0, MANY, (args) => args.flatMap((l) => list('concat', l)))],
  ['first', spec(1, 1, ([l]) => list('first', l)[0] ?? null)],
  ['last', spec(1, 1, ([l]) => list('last', l).at(-1) ?? null)],
  ['rest', spec(1, 1, ([l]) => list('rest', l).slice(1))],
  ['initial', spec(1, 1, ([l]) => list('initial', l).slice(0, -1))],
  ['reverse', spec(1, 1, ([l]) => [...list('reverse', l)].reverse())],
  [
    'uniq',
    spec(1, 1, ([l]) => {
      const seen = new Set<string>();
      return list('uniq', l).filter(
        (v) => !seen.has(JSON.stringify(v)) && Boolean(seen.add(JSON.stringify(v))),
      );
    }),
  ],
  ['compact', spec(1, 1, ([l]) => list('compact', l).filter((v) => !isEmpty(v)))],
  ['has', spec(2, 2, ([v, l]) => list('has', l).some((x) => JSON.stringify(x) === JSON.stringify(v)))],
  [
    'without',
    spec(1, MANY, ([l, ...drop]) =>
      list('without', l).filter((x) => !drop.some((d) => JSON.stringify(d) === JSON.stringify(x))),
    ),
  ],
  ['sortAlpha', spec(1, 1, ([l]) => strslice(l).sort())],
  [
    'slice',
    spec(1, 3, ([l, from, to]) =>
      list('slice', l).slice(from == null ? 0 : int(from), to == null ? undefined : int(to)),
    ),
  ],
  [
    'until',
    spec(1, 1, ([n]) => {
      boundedList(int(n));
      return Array.from({ length: Math.max(0, int(n)) }, (_, i) => i);
    }),
  ],
  [
    'untilStep',
    spec(3, 3, ([start, stop, step]) => {
      const [a, b, s] = [int(start), int(stop), int(step)];
      if (s === 0 || (s > 0 && a >= b) || (s < 0 && a <= b)) return [];
      boundedList(Math.ceil(Math.abs((b - a) / s)));
      const out: number[] = [];
      for (let i = a; s > 0 ? i < b : i > b; i += s) out.push(i);
      return out;
    }),
  ],
  ['keys', spec(1, MANY, (maps) => maps.flatMap((m) => Object.keys(dict('keys', m))))],
  ['values', spec(1, 1, ([m]) => Object.values(dict('values', m)))],
  ['hasKey', spec(2, 2, ([m, k]) => Object.hasOwn(dict('hasKey', m), strval(k)))],
  ['get', spec(2, 2, ([m, k]) => ownValue(dict('get', m), strval(k)) ?? '')],
  [
    'set',
    spec(3, 3, ([m, k, v]) => {
      setKey(dict('set', m), strval(k), v);
      return m;
    }),
  ],
  [
    'unset',
    spec(2, 2, ([m, k]) => {
      delete dict('unset', m)[strval(k)];
      return m;
    }),
  ],
  [
    'pluck',
    spec(1, MANY, ([k, ...maps]) =>
      maps
        .map((m) => dict('pluck', m))
        .filter((m) => Object.hasOwn(m, strval(k)))
        .map((m) => m[strval(k)]),
    ),
  ],
  [
    'pick',
    spec(1, MANY, ([m, ...ks]) =>
      Object.fromEntries(
        ks
          .map(strval)
          .filter((k) => Object.hasOwn(dict('pick', m), k))
          .map((k) => [k, dict('pick', m)[k]]),
      ),
    ),
  ],
  [
    'omit',
    spec(1, MANY, ([m, ...ks]) =>
      Object.fromEntries(Object.entries(dict('omit', m)).filter(([k]) => !ks.map(strval).includes(k))),
    ),
  ],
  ['merge', spec(1, MANY, (args) => merge(false, args))],
  ['mergeOverwrite', spec(1, MANY, (args) => merge(true, args))],
  ['deepCopy', spec(1, 1, ([v]) => deepCopy(v))],
  ['dig', spec(3, MANY, dig)],
  ['coalesce', spec(0, MANY, (args) => args.find((v) => isUnknown(v) || !isEmpty(v)) ?? null)],
]);
