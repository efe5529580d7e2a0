import { stringify } from 'yaml';
import { isRecord } from '../../model/kube-object.ts';
import { sanitizeName } from '../sanitize-name.ts';
import { type FunctionSpec, functionTable, MANY } from './function-table.ts';
import { formatGoValue, goQuote, goSprint, goSprintf, goTypeName } from './go-format.ts';
import { GoTemplateError } from './go-template-error.ts';
import { checkLength } from './template-budget.ts';
import { isUnknown, requireKnown } from './unknown-value.ts';

/** Go's truth: false, 0, "", nil and empty collections are false. */
export function truth(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  // Observed state does not exist yet on the first render: a condition on it is false, as Crossplane's first reconcile sees it.
  if (isUnknown(value)) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

export function str(name: string, value: unknown): string {
  requireKnown(value, name);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) {
    throw new GoTemplateError(`error calling ${name}: invalid value; expected string`);
  }
  throw new GoTemplateError(
    `error calling ${name}: wrong type for value; expected string; got ${goTypeName(value)}`,
  );
}

/** sprig's strval. */
export function strval(value: unknown): string {
  return typeof value === 'string' ? value : formatGoValue(value);
}

export function isEmpty(value: unknown): boolean {
  return !truth(value);
}

function basicKind(value: unknown): 'bool' | 'number' | 'string' | 'nil' | 'other' {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'other';
}

function eq(args: unknown[]): boolean {
  for (const arg of args) requireKnown(arg, 'a comparison');
  const [first, ...rest] = args;
  const k1 = basicKind(first);
  for (const other of rest) {
    const k2 = basicKind(other);
    if (k1 === 'other' || k2 === 'other') {
      throw new GoTemplateError(
        `error calling eq: non-comparable type ${goTypeName(k1 === 'other' ? first : other)}`,
      );
    }
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil')
        throw new GoTemplateError('error calling eq: incompatible types for comparison');
      continue;
    }
    if (k1 === 'nil' || first === other) return true;
  }
  return false;
}

function compare(name: string, a: unknown, b: unknown): number {
  requireKnown(a, name);
  requireKnown(b, name);
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'nil' || kb === 'nil' || ka === 'other' || kb === 'other' || ka === 'bool' || kb === 'bool') {
    throw new GoTemplateError(`error calling ${name}: invalid type for comparison`);
  }
  if (ka !== kb) throw new GoTemplateError(`error calling ${name}: incompatible types for comparison`);
  const x = a as string | number;
  const y = b as string | number;
  return x < y ? -1 : x > y ? 1 : 0;
}

function index(args: unknown[]): unknown {
  let item = args[0];
  for (const key of args.slice(1)) {
    if (isUnknown(item)) return item.field(String(key));
    if (item === null || item === undefined)
      throw new GoTemplateError('error calling index: index of untyped nil');
    if (Array.isArray(item) || typeof item === 'string') {
      if (typeof key !== 'number' || !Number.isInteger(key)) {
        throw new GoTemplateError(
          `error calling index: cannot index slice/array with type ${goTypeName(key)}`,
        );
      }
      if (key < 0 || key >= item.length)
        throw new GoTemplateError(`error calling index: index out of range: ${key}`);
      item = typeof item === 'string' ? item.charCodeAt(key) : item[key];
    } else if (isRecord(item)) {
      if (typeof key !== 'string') {
        throw new GoTemplateError(`error calling index: value has type ${goTypeName(key)}; should be string`);
      }
      // A missing key yields the map's zero value, nil, which prints as <no value>.
      item = Object.hasOwn(item, key) ? item[key] : null;
    } else {
      throw new GoTemplateError(`error calling index: can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function goLen(value: unknown): number {
  requireKnown(value, 'len');
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Array.isArray(value)) return value.length;
  if (isRecord(value)) return Object.keys(value).length;
  if (value === null || value === undefined)
    throw new GoTemplateError('error calling len: len of nil pointer');
  throw new GoTemplateError(`error calling len: len of type ${goTypeName(value)}`);
}

export function sortKeys(value: unknown): unknown {
  if (isUnknown(value)) return value.printed;
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isRecord(value)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/** sigs.k8s.io/yaml output: keys sorted, sequences not indented under their key, no trailing newline. */
export function toYaml(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return stringify(sortKeys(value), { indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

/** encoding/json: keys sorted, HTML characters escaped. */
function toJson(value: unknown): string {
  const json = JSON.stringify(sortKeys(value ?? null)) ?? 'null';
  return json
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

export function strslice(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(strval);
  if (value === null || value === undefined) return [];
  return [strval(value)];
}

/** The functions of Go's text/template and the Sprig subset Argo CD's ApplicationSets are known to use. */
export const BUILTIN_FUNCTIONS = new Map<string, FunctionSpec>([
  // and/or are evaluated lazily by the evaluator; listed here for arity and parse-time lookup.
  ['and', { min: 1, max: MANY, fn: () => undefined }],
  ['or', { min: 1, max: MANY, fn: () => undefined }],
  ['not', { min: 1, max: 1, fn: ([v]) => !truth(v) }],
  ['eq', { min: 2, max: MANY, fn: eq }],
  ['ne', { min: 2, max: 2, fn: (args) => !eq(args) }],
  ['lt', { min: 2, max: 2, fn: ([a, b]) => compare('lt', a, b) < 0 }],
  ['le', { min: 2, max: 2, fn: ([a, b]) => compare('le', a, b) <= 0 }],
  ['gt', { min: 2, max: 2, fn: ([a, b]) => compare('gt', a, b) > 0 }],
  ['ge', { min: 2, max: 2, fn: ([a, b]) => compare('ge', a, b) >= 0 }],
  ['index', { min: 1, max: MANY, fn: index }],
  ['len', { min: 1, max: 1, fn: ([v]) => goLen(v) }],
  ['print', { min: 0, max: MANY, fn: goSprint }],
  ['printf', { min: 1, max: MANY, fn: ([format, ...rest]) => goSprintf(str('printf', format), rest) }],
  [
    'default',
    {
      min: 1,
      max: MANY,
      fn: ([d, ...given]) =>
        given.length === 0 || (!isUnknown(given[0]) && isEmpty(given[0])) ? d : given[0],
    },
  ],
  ['empty', { min: 1, max: 1, fn: ([v]) => isEmpty(v) }],
  [
    'required',
    {
      min: 2,
      max: 2,
      fn: ([message, v]) => {
        if (v === null || v === undefined || v === '')
          throw new GoTemplateError(`error calling required: ${strval(message)}`);
        return v;
      },
    },
  ],
  [
    'ternary',
    {
      min: 3,
      max: 3,
      fn: ([whenTrue, whenFalse, condition]) => {
        if (typeof condition !== 'boolean') {
          throw new GoTemplateError(
            `error calling ternary: wrong type for value; expected bool; got ${goTypeName(condition)}`,
          );
        }
        return condition ? whenTrue : whenFalse;
      },
    },
  ],
  ['lower', { min: 1, max: 1, fn: ([s]) => str('lower', s).toLowerCase() }],
  ['upper', { min: 1, max: 1, fn: ([s]) => str('upper', s).toUpperCase() }],
  ['trim', { min: 1, max: 1, fn: ([s]) => str('trim', s).trim() }],
  [
    'trimPrefix',
    {
      min: 2,
      max: 2,
      fn: ([prefix, s]) => {
        const [p, text] = [str('trimPrefix', prefix), str('trimPrefix', s)];
        return p !== '' && text.startsWith(p) ? text.slice(p.length) : text;
      },
    },
  ],
  [
    'trimSuffix',
    {
      min: 2,
      max: 2,
      fn: ([suffix, s]) => {
        const [x, text] = [str('trimSuffix', suffix), str('trimSuffix', s)];
        return x !== '' && text.endsWith(x) ? text.slice(0, text.length - x.length) : text;
      },
    },
  ],
  [
    'replace',
    {
      min: 3,
      max: 3,
      fn: ([from, to, s]) => {
        const [f, t, text] = [str('replace', from), str('replace', to), str('replace', s)];
        // strings.Replace with an empty old string inserts the new one around every rune.
        if (f === '') {
          const runes = [...text];
          checkLength('replace', text.length + (runes.length + 1) * t.length);
          return t + runes.join(t) + (text === '' ? '' : t);
        }
        const parts = text.split(f);
        checkLength('replace', text.length + (parts.length - 1) * t.length);
        return parts.join(t);
      },
    },
  ],
  ['contains', { min: 2, max: 2, fn: ([sub, s]) => str('contains', s).includes(str('contains', sub)) }],
  ['hasPrefix', { min: 2, max: 2, fn: ([p, s]) => str('hasPrefix', s).startsWith(str('hasPrefix', p)) }],
  ['hasSuffix', { min: 2, max: 2, fn: ([p, s]) => str('hasSuffix', s).endsWith(str('hasSuffix', p)) }],
  [
    'quote',
    {
      min: 0,
      max: MANY,
      fn: (args) =>
        args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => goQuote(strval(a)))
          .join(' '),
    },
  ],
  [
    'squote',
    {
      min: 0,
      max: MANY,
      fn: (args) =>
        args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => `'${strval(a)}'`)
          .join(' '),
    },
  ],
  ['join', { min: 2, max: 2, fn: ([sep, list]) => strslice(list).join(str('join', sep)) }],
  ['normalize', { min: 1, max: 1, fn: ([s]) => sanitizeName(str('normalize', s)) }],
  ['toYaml', { min: 1, max: 1, fn: ([v]) => toYaml(v) }],
  ['toJson', { min: 1, max: 1, fn: ([v]) => toJson(v) }],
]);

const BUILTIN = functionTable(BUILTIN_FUNCTIONS);

export function isGoFunction(name: string): boolean {
  return BUILTIN.has(name);
}

export function callGoFunction(name: string, args: unknown[]): unknown {
  return BUILTIN.call(name, args);
}
