/**
 * The subset of jq that `ignoreDifferences.jqPathExpressions` may use. Argo CD runs
 * `del(<expression>)` with gojq; we parse the expression into steps, evaluate it to the set of
 * paths it designates (jq's `path(...)`), and delete those paths.
 *
 * Supported (any chain of these joined with `|`; whitespace is free):
 *   .                         identity
 *   .a.b  .a_1                object keys (identifiers: letters, digits, `_`)
 *   .a["key.with.dots"]       bracketed string key, also `.["k"]`, `.a."k"` and `.a.["k"]`
 *   .a[0]  .a[-1]             array index (negative counts from the end)
 *   .a[]                      every element of an array (every value of an object)
 *   ?                         after a step, e.g. `.a[]?`: a type error up to there drops that branch
 *   select(.k == "v")         keep the current value when a relative path (keys and indexes only)
 *                             compares `==` or `!=` to a string, number, boolean or null literal
 *
 * Anything else (functions other than `select`, `and`/`or`, `..`, slices, string interpolation,
 * variables, arithmetic, ...) throws UnsupportedJqExpressionError naming the expression, so an
 * Application never silently loses one of its rules.
 *
 * At evaluation, a type error not covered by `?` (a key on an array, iterating a scalar or null, ...)
 * makes the whole expression delete nothing, which is what Argo CD does when gojq returns an error;
 * a key or index that is absent simply matches nothing.
 */

export class UnsupportedJqExpressionError extends Error {
  override readonly name = 'UnsupportedJqExpressionError';
  readonly expression: string;
  constructor(expression: string, reason: string) {
    super(`unsupported jqPathExpression ${JSON.stringify(expression)}: ${reason}`);
    this.expression = expression;
  }
}

type Literal = string | number | boolean | null;

type Access = { type: 'key'; key: string } | { type: 'index'; index: number } | { type: 'iterate' };

/** A path term such as `.a[].b?`; errors in steps up to `optionalUpTo` (the last `?`) drop that branch. */
interface PathTerm {
  type: 'path';
  steps: Access[];
  optionalUpTo: number;
}

interface SelectTerm {
  type: 'select';
  path: PathTerm;
  op: '==' | '!=';
  value: Literal;
}

type Term = PathTerm | SelectTerm;

export interface JqPathExpression {
  source: string;
  terms: Term[];
}

type PathElement = string | number;

class JqRuntimeError extends Error {
  override readonly name = 'JqRuntimeError';
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  readonly source: string;
  pos = 0;
  constructor(source: string) {
    this.source = source;
  }

  fail(reason: string): never {
    throw new UnsupportedJqExpressionError(this.source, `${reason} at offset ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.source.length && /\s/.test(this.source[this.pos]!)) this.pos++;
  }

  peek(): string {
    this.skipSpace();
    return this.source[this.pos] ?? '';
  }

  eat(token: string): boolean {
    this.skipSpace();
    if (this.source.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected ${JSON.stringify(token)}`);
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.source);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  parsePipeline(): Term[] {
    const terms: Term[] = [];
    do {
      terms.push(this.parseTerm());
    } while (this.eat('|'));
    this.skipSpace();
    if (this.pos < this.source.length) this.fail('unexpected input');
    return terms;
  }

  parseTerm(): Term {
    const c = this.peek();
    if (c === '.') return this.parsePath(true);
    this.skipSpace();
    const word = this.match(IDENT);
    if (word === 'select') return this.parseSelect();
    if (word !== undefined) this.fail(`function or keyword ${JSON.stringify(word)} is not supported`);
    return this.fail(c === '' ? 'expected a path' : `unexpected ${JSON.stringify(c)}`);
  }

  parseSelect(): SelectTerm {
    this.expect('(');
    if (this.peek() !== '.') this.fail('select() must compare a path starting with "."');
    const path = this.parsePath(false);
    let op: '==' | '!=';
    if (this.eat('==')) op = '==';
    else if (this.eat('!=')) op = '!=';
    else return this.fail('select() supports only `PATH == LITERAL` and `PATH != LITERAL`');
    const value = this.parseLiteral();
    this.expect(')');
    return { type: 'select', path, op, value };
  }

  parseLiteral(): Literal {
    const c = this.peek();
    if (c === '"') return this.parseString();
    const num = this.match(NUMBER);
    if (num !== undefined) return Number(num);
    const word = this.match(IDENT);
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    return this.fail('expected a string, number, boolean or null literal');
  }

  parseString(): string {
    this.expect('"');
    let out = '';
    while (this.pos < this.source.length) {
      const c = this.source[this.pos++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.source[this.pos++] ?? '';
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e in simple) out += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.source.slice(this.pos, this.pos + 4))) {
        out += String.fromCharCode(Number.parseInt(this.source.slice(this.pos, this.pos + 4), 16));
        this.pos += 4;
      } else if (e === '(') this.fail('string interpolation is not supported');
      else this.fail(`invalid escape \\${e}`);
    }
    return this.fail('unterminated string');
  }

  /** `.`, then steps; `allowIterate` is false inside select(), where a path must yield one value. */
  parsePath(allowIterate: boolean): PathTerm {
    this.expect('.');
    const steps: Access[] = [];
    let optionalUpTo = -1;
    // Directly after the leading dot: an identifier, a quoted key, a bracket, or nothing (identity).
    if (this.source[this.pos] === '.') this.fail('recursive descent `..` is not supported');
    const first = this.afterDot(allowIterate);
    if (first) steps.push(first);
    for (;;) {
      if (this.source[this.pos] === '?') {
        this.pos++;
        optionalUpTo = steps.length - 1;
        continue;
      }
      const c = this.peek();
      if (c === '[') {
        steps.push(this.parseBracket(allowIterate));
      } else if (c === '.') {
        this.pos++;
        const step = this.afterDot(allowIterate);
        if (!step) this.fail('expected a key after "."');
        steps.push(step);
      } else {
        return { type: 'path', steps, optionalUpTo };
      }
    }
  }

  afterDot(allowIterate: boolean): Access | undefined {
    const c = this.source[this.pos];
    if (c === '"') return { type: 'key', key: this.parseString() };
    if (c === '[') return this.parseBracket(allowIterate);
    const ident = this.match(IDENT);
    return ident === undefined ? undefined : { type: 'key', key: ident };
  }

  parseBracket(allowIterate: boolean): Access {
    this.expect('[');
    const c = this.peek();
    let step: Access;
    if (c === ']') {
      if (!allowIterate) this.fail('`[]` is not supported inside select()');
      step = { type: 'iterate' };
    } else if (c === '"') {
      step = { type: 'key', key: this.parseString() };
    } else {
      const num = this.match(NUMBER);
      if (num === undefined || !Number.isInteger(Number(num)))
        this.fail('expected an integer index or a string');
      step = { type: 'index', index: Number(num) };
    }
    this.expect(']');
    return step;
  }
}

/** Parses a jqPathExpression; throws UnsupportedJqExpressionError outside the documented subset. */
export function parseJqPathExpression(source: string): JqPathExpression {
  if (source.trim() === '') throw new UnsupportedJqExpressionError(source, 'empty expression');
  return { source, terms: new Parser(source).parsePipeline() };
}

interface Cursor {
  path: PathElement[];
  value: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** The values one access step leads to from one cursor; throws JqRuntimeError on a type error. */
function access(cursor: Cursor, step: Access): Cursor[] {
  const { path, value } = cursor;
  if (step.type === 'iterate') {
    if (Array.isArray(value)) return value.map((v, i) => ({ path: [...path, i], value: v }));
    if (isObject(value)) return Object.keys(value).map((k) => ({ path: [...path, k], value: value[k] }));
    throw new JqRuntimeError(`cannot iterate over ${typeName(value)}`);
  }
  if (step.type === 'key') {
    const next = [...path, step.key];
    if (value === null || value === undefined) return [{ path: next, value: null }];
    if (!isObject(value)) throw new JqRuntimeError(`cannot index ${typeName(value)} with a string`);
    return [{ path: next, value: Object.hasOwn(value, step.key) ? value[step.key] : null }];
  }
  if (value === null || value === undefined) return [{ path: [...path, step.index], value: null }];
  if (!Array.isArray(value)) throw new JqRuntimeError(`cannot index ${typeName(value)} with a number`);
  const i = step.index < 0 ? value.length + step.index : step.index;
  return [{ path: [...path, i], value: i >= 0 && i < value.length ? value[i] : null }];
}

function walk(term: PathTerm, cursor: Cursor, from: number, out: Cursor[]): void {
  if (from === term.steps.length) {
    out.push(cursor);
    return;
  }
  let next: Cursor[];
  try {
    next = access(cursor, term.steps[from]!);
  } catch (error) {
    if (error instanceof JqRuntimeError && from <= term.optionalUpTo) return;
    throw error;
  }
  for (const c of next) walk(term, c, from + 1, out);
}

function jqEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jqEquals(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jqEquals(a[k], b[k]))
    );
  }
  return false;
}

function evaluate(terms: Term[], root: unknown): Cursor[] {
  let cursors: Cursor[] = [{ path: [], value: root }];
  for (const term of terms) {
    const next: Cursor[] = [];
    for (const cursor of cursors) {
      if (term.type === 'path') {
        walk(term, cursor, 0, next);
        continue;
      }
      const probes: Cursor[] = [];
      walk(term.path, { path: [], value: cursor.value }, 0, probes);
      // Like jq, select emits its input once per probe output that satisfies the condition.
      for (const probe of probes)
        if (jqEquals(probe.value, term.value) === (term.op === '==')) next.push(cursor);
    }
    cursors = next;
  }
  return cursors;
}

/** jq's ordering of path elements: numbers before strings, each in natural order. */
function comparePaths(a: PathElement[], b: PathElement[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.length - b.length;
}

function deletePath(root: unknown, path: PathElement[]): void {
  let parent: unknown = root;
  for (const element of path.slice(0, -1)) {
    if (typeof element === 'number') parent = Array.isArray(parent) ? parent[element] : undefined;
    else parent = isObject(parent) && Object.hasOwn(parent, element) ? parent[element] : undefined;
    if (parent === undefined) return;
  }
  const last = path[path.length - 1]!;
  if (typeof last === 'number') {
    if (Array.isArray(parent) && last >= 0 && last < parent.length) parent.splice(last, 1);
  } else if (isObject(parent)) {
    delete parent[last];
  }
}

/**
 * Deletes, in place, the paths the expression designates in `root` (jq's `del`). Deleting the root
 * itself is ignored: an ignore rule hides fields, not whole objects.
 */
export function deleteJqPaths(root: unknown, expression: JqPathExpression): void {
  let cursors: Cursor[];
  try {
    cursors = evaluate(expression.terms, root);
  } catch (error) {
    if (error instanceof JqRuntimeError) return;
    throw error;
  }
  const paths = cursors.map((c) => c.path).filter((p) => p.length > 0);
  paths.sort(comparePaths);
  // Last first, so deleting an array element does not shift the indexes still to be deleted.
  let previous: PathElement[] | undefined;
  for (const path of paths.reverse()) {
    if (previous && comparePaths(previous, path) === 0) continue;
    deletePath(root, path);
    previous = path;
  }
}
