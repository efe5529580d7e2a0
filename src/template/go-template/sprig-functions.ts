import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { compileSafeRegExp } from '../../crossplane/safe-regexp.ts';
import { type FunctionSpec, MANY } from './function-table.ts';
import { str, strslice, strval } from './functions.ts';
import { formatGoValue, goTypeName } from './go-format.ts';
import { GoTemplateError } from './go-template-error.ts';
import { float, int, SPRIG_COLLECTIONS } from './sprig-collections.ts';
import { checkLength } from './template-budget.ts';
import { isUnknown, UnknownValue } from './unknown-value.ts';

const MAX_REPEAT_CHARS = 1024 * 1024;
/** Values that change on every render: shown as known after apply, never guessed. */
export const RANDOM = '(known after apply)';

function regex(name: string, pattern: unknown, input: unknown): { re: RegExp; text: string } {
  const compiled = compileSafeRegExp(str(name, pattern));
  const text = str(name, input);
  if (text.length > compiled.maxInputLength) {
    throw new GoTemplateError(
      `error calling ${name}: input longer than ${compiled.maxInputLength} characters`,
    );
  }
  return { re: new RegExp(compiled.regexp.source, `${compiled.regexp.flags}g`), text };
}

function indent(spaces: unknown, text: unknown): string {
  const pad = ' '.repeat(Math.max(0, Math.min(int(spaces), 1000)));
  const body = str('indent', text);
  checkLength('indent', body.length + pad.length * (body.split('\n').length + 1));
  return pad + body.replaceAll('\n', `\n${pad}`);
}

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}` (the longest run of letters, digits and `_`; a missing group is
 * empty) and `$$`; a `$` not followed by a name is itself. JavaScript's own `$&`, `` $` `` and `$'` mean nothing here.
 */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))?/g, (whole, _all, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare;
    if (name === undefined) return '$';
    const group = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return group ?? '';
  });
}

/** Every match of a global pattern, at most one per position (an empty match moves on by one). */
function matches(re: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(m);
    if (m[0] === '') re.lastIndex++;
  }
  return out;
}

/** Go's Regexp.Split: at most `n` pieces (the last one the rest), all for n < 0, none for 0; no captured groups. */
function goSplit(re: RegExp, text: string, n: number, nonEmptyPattern: boolean): string[] {
  if (n === 0) return [];
  if (nonEmptyPattern && text === '') return [''];
  const out: string[] = [];
  let begin = 0;
  let end = 0;
  for (const m of matches(re, text)) {
    if (n > 0 && out.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(text.slice(begin, end));
    begin = m.index + m[0].length;
  }
  if (end !== text.length) out.push(text.slice(begin));
  return out;
}

function replaceAll(
  name: string,
  re: RegExp,
  text: string,
  replacement: (m: RegExpExecArray) => string,
): string {
  let out = '';
  let last = 0;
  for (const m of matches(re, text)) {
    const piece = replacement(m);
    checkLength(name, out.length + (m.index - last) + piece.length);
    out += text.slice(last, m.index) + piece;
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

const unknownArg = (args: unknown[]): unknown => args.find(isUnknown);

/** Arithmetic with an operand known only after apply is itself known only after apply. */
const math =
  (op: (a: number, b: number) => number, name: string) =>
  (args: unknown[]): unknown => {
    const unknown = unknownArg(args);
    if (unknown) return unknown;
    const numbers = args.map(int);
    if (name === 'div' || name === 'mod') {
      if (numbers.slice(1).some((n) => n === 0))
        throw new GoTemplateError(`error calling ${name}: division by zero`);
    }
    return numbers.slice(1).reduce((acc, n) => Math.trunc(op(acc, n)), numbers[0]!);
  };

const spec = (min: number, max: number, fn: FunctionSpec['fn']): FunctionSpec => ({ min, max, fn });

/** The Sprig functions (github.com/Masterminds/sprig/v3) that matter for manifests, with Sprig's semantics. */
export const SPRIG_FUNCTIONS = new Map<string, FunctionSpec>([
  ...SPRIG_COLLECTIONS,
  [
    'add',
    spec(
      0,
      MANY,
      math((a, b) => a + b, 'add'),
    ),
  ],
  ['add1', spec(1, 1, ([v]) => (isUnknown(v) ? v : int(v) + 1))],
  [
    'sub',
    spec(
      2,
      2,
      math((a, b) => a - b, 'sub'),
    ),
  ],
  [
    'mul',
    spec(
      1,
      MANY,
      math((a, b) => a * b, 'mul'),
    ),
  ],
  [
    'div',
    spec(
      2,
      2,
      math((a, b) => a / b, 'div'),
    ),
  ],
  [
    'mod',
    spec(
      2,
      2,
      math((a, b) => a % b, 'mod'),
    ),
  ],
  [
    'max',
    spec(
      1,
      MANY,
      math((a, b) => Math.max(a, b), 'max'),
    ),
  ],
  [
    'min',
    spec(
      1,
      MANY,
      math((a, b) => Math.min(a, b), 'min'),
    ),
  ],
  ['int', spec(1, 1, ([v]) => (isUnknown(v) ? v : int(v)))],
  ['int64', spec(1, 1, ([v]) => (isUnknown(v) ? v : int(v)))],
  ['atoi', spec(1, 1, ([v]) => (isUnknown(v) ? v : int(str('atoi', v))))],
  ['float64', spec(1, 1, ([v]) => (isUnknown(v) ? v : float(v)))],
  ['toString', spec(1, 1, ([v]) => (isUnknown(v) ? v : strval(v)))],
  ['toStrings', spec(1, 1, ([v]) => strslice(v))],
  ['b64enc', spec(1, 1, ([v]) => Buffer.from(str('b64enc', v), 'utf8').toString('base64'))],
  ['b64dec', spec(1, 1, ([v]) => Buffer.from(str('b64dec', v), 'base64').toString('utf8'))],
  ['sha256sum', spec(1, 1, ([v]) => createHash('sha256').update(str('sha256sum', v)).digest('hex'))],
  ['sha1sum', spec(1, 1, ([v]) => createHash('sha1').update(str('sha1sum', v)).digest('hex'))],
  [
    'title',
    spec(1, 1, ([v]) =>
      str('title', v).replace(
        /(^|[^\p{L}\p{N}'])(\p{L})/gu,
        (_m, a: string, b: string) => a + b.toUpperCase(),
      ),
    ),
  ],
  ['nospace', spec(1, 1, ([v]) => str('nospace', v).replace(/\s+/g, ''))],
  [
    'trimAll',
    spec(2, 2, ([cut, v]) => {
      const chars = new Set(str('trimAll', cut));
      const text = [...str('trimAll', v)];
      let a = 0;
      let b = text.length;
      while (a < b && chars.has(text[a]!)) a++;
      while (b > a && chars.has(text[b - 1]!)) b--;
      return text.slice(a, b).join('');
    }),
  ],
  [
    'trunc',
    spec(2, 2, ([n, v]) => {
      const [count, text] = [int(n), str('trunc', v)];
      return count >= 0 ? text.slice(0, count) : text.slice(Math.max(0, text.length + count));
    }),
  ],
  [
    'substr',
    spec(3, 3, ([a, b, v]) => {
      const text = str('substr', v);
      const [start, end] = [int(a), int(b)];
      if (start < 0) return text.slice(0, end);
      if (end < 0 || end > text.length) return text.slice(start);
      return text.slice(start, end);
    }),
  ],
  [
    'repeat',
    spec(2, 2, ([n, v]) => {
      const text = str('repeat', v);
      if (int(n) * text.length > MAX_REPEAT_CHARS)
        throw new GoTemplateError('error calling repeat: result too long');
      return text.repeat(Math.max(0, int(n)));
    }),
  ],
  [
    'split',
    spec(2, 2, ([sep, v]) =>
      Object.fromEntries(
        str('split', v)
          .split(str('split', sep))
          .map((part, i) => [`_${i}`, part]),
      ),
    ),
  ],
  ['splitList', spec(2, 2, ([sep, v]) => str('splitList', v).split(str('splitList', sep)))],
  ['indent', spec(2, 2, ([n, v]) => indent(n, v))],
  ['nindent', spec(2, 2, ([n, v]) => `\n${indent(n, v)}`)],
  ['kebabcase', spec(1, 1, ([v]) => words(str('kebabcase', v)).join('-').toLowerCase())],
  ['snakecase', spec(1, 1, ([v]) => words(str('snakecase', v)).join('_').toLowerCase())],
  [
    'camelcase',
    spec(1, 1, ([v]) =>
      words(str('camelcase', v))
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(''),
    ),
  ],
  ['regexMatch', spec(2, 2, ([p, v]) => regex('regexMatch', p, v).re.test(str('regexMatch', v)))],
  [
    'regexFind',
    spec(2, 2, ([p, v]) => {
      const { re, text } = regex('regexFind', p, v);
      return text.match(re)?.[0] ?? '';
    }),
  ],
  [
    'regexFindAll',
    spec(3, 3, ([p, v, n]) => {
      const { re, text } = regex('regexFindAll', p, v);
      const all = text.match(re) ?? [];
      return int(n) < 0 ? all : all.slice(0, int(n));
    }),
  ],
  [
    'regexReplaceAll',
    spec(3, 3, ([p, v, r]) => {
      const { re, text } = regex('regexReplaceAll', p, v);
      const template = str('regexReplaceAll', r);
      return replaceAll('regexReplaceAll', re, text, (m) => expand(template, m));
    }),
  ],
  [
    'regexReplaceAllLiteral',
    spec(3, 3, ([p, v, r]) => {
      const { re, text } = regex('regexReplaceAllLiteral', p, v);
      const replacement = str('regexReplaceAllLiteral', r);
      return replaceAll('regexReplaceAllLiteral', re, text, () => replacement);
    }),
  ],
  [
    'regexSplit',
    spec(3, 3, ([p, v, n]) => {
      const { re, text } = regex('regexSplit', p, v);
      return goSplit(re, text, int(n), str('regexSplit', p) !== '');
    }),
  ],
  [
    'fromJson',
    spec(1, 1, ([v]) => {
      try {
        return JSON.parse(str('fromJson', v)) as unknown;
      } catch {
        return {};
      }
    }),
  ],
  ['fromYaml', spec(1, 1, ([v]) => parseBoundedYaml(str('fromYaml', v)))],
  ['kindIs', spec(2, 2, ([k, v]) => kindOf(v) === strval(k))],
  ['kindOf', spec(1, 1, ([v]) => kindOf(v))],
  ['typeOf', spec(1, 1, ([v]) => goTypeName(v))],
  [
    'fail',
    spec(1, 1, ([message]) => {
      throw new GoTemplateError(`error calling fail: ${strval(message)}`);
    }),
  ],
  ['randAlphaNum', spec(1, 1, () => new UnknownValue('a random string', RANDOM))],
  ['randAlpha', spec(1, 1, () => new UnknownValue('a random string', RANDOM))],
  ['randNumeric', spec(1, 1, () => new UnknownValue('a random string', RANDOM))],
  ['uuidv4', spec(0, 0, () => new UnknownValue('a random UUID', RANDOM))],
  ['now', spec(0, 0, () => new UnknownValue('the current time', RANDOM))],
  ['println', spec(0, MANY, (args) => `${args.map(formatGoValue).join(' ')}\n`)],
]);

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'invalid';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (Array.isArray(value)) return 'slice';
  return 'map';
}

/** YAML from a template: aliases and size bounded like every parser of repository data. */
export function parseBoundedYaml(text: string): unknown {
  if (text.length > 1024 * 1024) throw new GoTemplateError('error calling fromYaml: input longer than 1 MiB');
  try {
    return parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (error) {
    return { Error: error instanceof Error ? error.message : String(error) };
  }
}
