/**
 * Go RE2 regular expressions from untrusted pull requests, run on JavaScript's backtracking engine.
 * RE2 guarantees linear time; V8 does not. So the translation accepts the common RE2 subset and
 * rejects anything that is not RE2 (backreferences, lookaround) or that could backtrack
 * exponentially (nested quantifiers, ambiguous alternation under a quantifier). Polynomial
 * backtracking (`a*a*a*b`) is bounded by capping the input length according to how many
 * unbounded quantifiers the pattern has.
 */

export class UnsafeRegExpError extends Error {
  override readonly name = 'UnsafeRegExpError';
}

export const MAX_PATTERN_LENGTH = 512;
export const MAX_INPUT_LENGTH = 4096;
/** Rough step budget: an input of length n may cost up to n^k steps for k unbounded quantifiers. */
const STEP_BUDGET = 1e7;
/** Go's regexp limits repetition counts to 1000. */
const MAX_REPEAT = 1000;

export interface SafeRegExp {
  /** The original RE2 pattern. */
  readonly pattern: string;
  /** The translated JavaScript regular expression (never global or sticky). */
  readonly regexp: RegExp;
  /** Longest input this pattern may be run on. */
  readonly maxInputLength: number;
  /** Like Go's FindStringSubmatch: null when no match; groups that did not participate are "". */
  findSubmatch(input: string): string[] | null;
  /** Like Go's MatchString. */
  test(input: string): boolean;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Go's \s is ASCII whitespace only (JavaScript's also matches Unicode spaces). */
const GO_SPACE = '\\t\\n\\f\\r ';

interface Group {
  /** Output position where the group's translated text starts. */
  start: number;
  hasQuantifier: boolean;
  hasAlternation: boolean;
  /** Raw RE2 text of each alternative, for the ambiguity check. */
  alternatives: string[];
  altStart: number;
}

/** One pass over an RE2 pattern: JavaScript text out, and the vetting of every quantifier as it comes. */
class Re2Translation {
  out = '';
  /** Quantifiers that repeat more than a few times: each multiplies the backtracking a match may need. */
  unbounded = 0;
  private i: number;
  private readonly stack: Group[];
  /** The last atom emitted: where it starts in `out`, and whether it was a group (with inner quantifiers). */
  private lastAtom: { start: number; group?: Group } | undefined;
  private readonly pattern: string;

  constructor(pattern: string, start: number) {
    this.pattern = pattern;
    this.i = start;
    this.stack = [
      { start: 0, hasQuantifier: false, hasAlternation: false, alternatives: [], altStart: start },
    ];
  }

  fail = (message: string): never => {
    throw new UnsafeRegExpError(`${message} in regular expression ${JSON.stringify(this.pattern)}`);
  };

  run(): string {
    const { pattern } = this;
    while (this.i < pattern.length) {
      const c = pattern[this.i]!;
      if (c === '\\' || c === '[') {
        const start = this.out.length;
        const [text, consumed] =
          c === '['
            ? translateClass(pattern, this.i, this.fail)
            : translateEscape(pattern, this.i, false, this.fail);
        this.out += text;
        this.i += consumed;
        this.lastAtom = { start };
      } else if (c === '(') this.openGroup();
      else if (c === ')') this.closeGroup();
      else if (c === '|') this.alternation();
      else if (
        c === '*' ||
        c === '+' ||
        c === '?' ||
        (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(this.i)))
      )
        this.repetition(c);
      else if (c === '$' || c === '^') {
        this.out += c;
        this.i += 1;
        this.lastAtom = undefined;
      } else {
        const start = this.out.length;
        this.out += c === '/' ? '\\/' : c === '{' || c === '}' || c === ']' ? `\\${c}` : c;
        this.i += 1;
        this.lastAtom = { start };
      }
    }
    if (this.stack.length !== 1) this.fail('missing )');
    return this.out;
  }

  private openGroup(): void {
    const { pattern } = this;
    const start = this.out.length;
    if (pattern[this.i + 1] === '?') {
      const rest = pattern.slice(this.i + 2);
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (rest.startsWith(':')) {
        this.out += '(?:';
        this.i += 3;
      } else if (named) {
        this.out += `(?<${named[1]}>`;
        this.i += 2 + named[0].length;
      } else if (/^(=|!|<=|<!)/.test(rest)) {
        this.fail('lookaround assertions are not RE2');
      } else if (/^P=/.test(rest) || /^P>/.test(rest)) {
        this.fail('backreferences are not RE2');
      } else {
        this.fail('inline flags are only supported at the start of the pattern');
      }
    } else {
      this.out += '(';
      this.i += 1;
    }
    this.stack.push({
      start,
      hasQuantifier: false,
      hasAlternation: false,
      alternatives: [],
      altStart: this.i,
    });
    this.lastAtom = undefined;
  }

  private closeGroup(): void {
    if (this.stack.length === 1) this.fail('unexpected )');
    const group = this.stack.pop()!;
    group.alternatives.push(this.pattern.slice(group.altStart, this.i));
    this.out += ')';
    this.i += 1;
    const parent = this.stack[this.stack.length - 1]!;
    if (group.hasQuantifier) parent.hasQuantifier = true;
    this.lastAtom = { start: group.start, group };
  }

  private alternation(): void {
    const group = this.stack[this.stack.length - 1]!;
    group.hasAlternation = true;
    group.alternatives.push(this.pattern.slice(group.altStart, this.i));
    group.altStart = this.i + 1;
    this.out += '|';
    this.i += 1;
    this.lastAtom = undefined;
  }

  /** A quantifier: refused on nothing, nested, or over a group that could backtrack catastrophically. */
  private repetition(c: string): void {
    const { pattern } = this;
    if (!this.lastAtom) this.fail(`missing argument to repetition operator ${c}`);
    let max = Number.POSITIVE_INFINITY;
    let text = c;
    if (c === '?') max = 1;
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(this.i))!;
      const min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
      if (min > MAX_REPEAT || (Number.isFinite(max) && max > MAX_REPEAT)) this.fail('repeat count too large');
      if (max < min) this.fail('invalid repeat count');
      text = m[0];
    }
    this.i += text.length;
    let lazy = '';
    if (pattern[this.i] === '?') {
      lazy = '?';
      this.i += 1;
    }
    const next = pattern[this.i];
    if (next === '*' || next === '+' || next === '?' || next === '{') {
      if (next !== '{' || /^\{\d+(,\d*)?\}/.test(pattern.slice(this.i)))
        this.fail('invalid nested repetition operator');
    }
    const group = this.lastAtom!.group;
    if (group && max > 1) {
      if (group.hasQuantifier) this.fail('nested quantifiers can backtrack catastrophically');
      if (group.hasAlternation && !alternativesAreDisjointLiterals(group.alternatives)) {
        this.fail(
          'a repeated alternation whose branches can match the same text can backtrack catastrophically',
        );
      }
    }
    if (max > 16) this.unbounded += 1;
    this.stack[this.stack.length - 1]!.hasQuantifier = true;
    this.out += text + lazy;
    this.lastAtom = undefined;
  }
}

/** Translates and vets an RE2 pattern. Throws UnsafeRegExpError for anything outside the safe subset. */
export function compileSafeRegExp(pattern: string): SafeRegExp {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new UnsafeRegExpError(`regular expression is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  let flags = 'u';
  let start = 0;
  const leading = /^\(\?([imsU]+)\)/.exec(pattern);
  if (leading) {
    for (const f of leading[1]!) {
      if (f === 'U') throw new UnsafeRegExpError('the ungreedy flag (?U) is not supported');
      if (!flags.includes(f)) flags += f;
    }
    start = leading[0].length;
  }
  const translation = new Re2Translation(pattern, start);
  const out = translation.run();
  const { unbounded } = translation;
  let regexp: RegExp;
  try {
    regexp = new RegExp(out, flags);
  } catch (error) {
    throw new UnsafeRegExpError(
      `invalid regular expression ${JSON.stringify(pattern)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const maxInputLength =
    unbounded <= 1
      ? MAX_INPUT_LENGTH
      : Math.min(MAX_INPUT_LENGTH, Math.floor(STEP_BUDGET ** (1 / unbounded)));
  const checkInput = (input: string) => {
    if (input.length > maxInputLength) {
      throw new UnsafeRegExpError(
        `input of ${input.length} characters exceeds the ${maxInputLength}-character limit for regular expression ${JSON.stringify(pattern)}`,
      );
    }
  };
  return {
    pattern,
    regexp,
    maxInputLength,
    findSubmatch(input) {
      checkInput(input);
      const m = regexp.exec(input);
      if (!m) return null;
      return Array.from(m, (g) => g ?? '');
    },
    test(input) {
      checkInput(input);
      return regexp.test(input);
    },
  };
}

function alternativesAreDisjointLiterals(alternatives: string[]): boolean {
  const firsts = new Set<string>();
  for (const alt of alternatives) {
    if (alt === '' || /[\\[\](){}*+?.|^$]/.test(alt)) return false;
    const first = alt[0]!;
    if (firsts.has(first)) return false;
    firsts.add(first);
  }
  return true;
}

type Fail = (message: string) => never;

/** Translates one escape sequence at `pattern[i] === '\\'`. Returns [text, consumed]. */
function translateEscape(pattern: string, i: number, inClass: boolean, fail: Fail): [string, number] {
  const next = pattern[i + 1];
  if (next === undefined) fail('trailing backslash');
  const n = next!;
  if (/[1-9]/.test(n)) fail('backreferences are not RE2');
  if (n === 'k') fail('backreferences are not RE2');
  if (n === 'Q') {
    const end = pattern.indexOf('\\E', i + 2);
    const literal = pattern.slice(i + 2, end === -1 ? undefined : end);
    return [literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'), 2 + literal.length + (end === -1 ? 0 : 2)];
  }
  if (n === 's') return [inClass ? GO_SPACE : `[${GO_SPACE}]`, 2];
  if (n === 'S') {
    if (inClass) fail('\\S inside a character class is not supported');
    return [`[^${GO_SPACE}]`, 2];
  }
  if (n === 'A') {
    if (inClass) fail('\\A inside a character class');
    return ['(?<![\\s\\S])', 2];
  }
  if (n === 'z') {
    if (inClass) fail('\\z inside a character class');
    return ['(?![\\s\\S])', 2];
  }
  if (n === 'C') fail('\\C is not supported');
  if ('dDwWbBtnrfva'.includes(n)) {
    if ((n === 'b' || n === 'B') && inClass) fail(`\\${n} inside a character class`);
    if (n === 'a') return ['\\x07', 2];
    return [`\\${n}`, 2];
  }
  if (n === '0') {
    const m = /^[0-7]{1,3}/.exec(pattern.slice(i + 1))!;
    return [`\\x${Number.parseInt(m[0], 8).toString(16).padStart(2, '0')}`, 1 + m[0].length];
  }
  if (n === 'x') {
    const braced = /^x\{([0-9A-Fa-f]{1,6})\}/.exec(pattern.slice(i + 1));
    if (braced) return [`\\u{${braced[1]}}`, 1 + braced[0].length];
    const two = /^x[0-9A-Fa-f]{2}/.exec(pattern.slice(i + 1));
    if (two) return [`\\${two[0]}`, 3];
    fail('invalid \\x escape');
  }
  if (n === 'p' || n === 'P') {
    const m = /^[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])/.exec(pattern.slice(i + 1));
    if (!m) fail('invalid Unicode class');
    let name = m![1]!.startsWith('{') ? m![1]!.slice(1, -1) : m![1]!;
    let negate = n === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    if (name === 'Any') return [negate ? '[^\\s\\S]' : '[\\s\\S]', 1 + m![0].length];
    return [`\\${negate ? 'P' : 'p'}{${name}}`, 1 + m![0].length];
  }
  if (/[A-Za-z0-9]/.test(n)) fail(`invalid escape sequence \\${n}`);
  // Go allows escaping any punctuation; JavaScript's unicode mode only syntax characters.
  if ('^$\\.*+?()[]{}|/'.includes(n) || (inClass && n === '-')) return [`\\${n}`, 2];
  return [n, 2];
}

/** Translates a bracket expression starting at `pattern[i] === '['`. */
function translateClass(pattern: string, i: number, fail: Fail): [string, number] {
  let j = i + 1;
  let out = '[';
  if (pattern[j] === '^') {
    out += '^';
    j++;
  }
  let first = true;
  while (j < pattern.length) {
    const c = pattern[j]!;
    if (c === ']' && !first) return [`${out}]`, j + 1 - i];
    first = false;
    if (c === '[' && pattern[j + 1] === ':') {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(j));
      if (!m) fail('invalid POSIX class');
      const body = POSIX_CLASSES[m![2]!];
      if (body === undefined) fail(`unknown POSIX class [:${m![2]}:]`);
      if (m![1] === '^') fail('negated POSIX classes are not supported');
      out += body;
      j += m![0].length;
      continue;
    }
    if (c === '\\') {
      const [text, consumed] = translateEscape(pattern, j, true, fail);
      out += text;
      j += consumed;
      continue;
    }
    if (c === '[' || c === '/' || c === '{' || c === '}' || c === '(' || c === ')' || c === '|') {
      out += `\\${c}`;
      j++;
      continue;
    }
    out += c;
    j++;
  }
  return fail('missing closing ]');
}
