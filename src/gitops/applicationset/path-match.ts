/**
 * Glob matching without regular expressions built from input: a pattern is tokenized and matched with a
 * dynamic-programming table, so a hostile pattern costs at most pattern × path steps.
 */
type PatternToken =
  | { kind: 'literal'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; ranges: [string, string][] };

interface GlobDialect {
  /** `*` and `?` may match `/` (git's default pathspec) or not (Go's path.Match). */
  crossesSlash: boolean;
  /** Class negation characters: Go accepts `^`, git both `!` and `^`. */
  negations: string;
}

/** undefined: malformed pattern. */
function tokenize(pattern: string, dialect: GlobDialect): PatternToken[] | undefined {
  const chars = [...pattern];
  const tokens: PatternToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '\\') {
      i++;
      if (i >= chars.length) return undefined;
      tokens.push({ kind: 'literal', char: chars[i]! });
    } else if (c === '[') {
      i++;
      let negated = false;
      if (i < chars.length && dialect.negations.includes(chars[i]!)) {
        negated = true;
        i++;
      }
      const ranges: [string, string][] = [];
      let first = true;
      for (;;) {
        if (i >= chars.length) return undefined;
        let lo = chars[i]!;
        if (lo === ']' && !first) break;
        first = false;
        if (lo === '\\') {
          i++;
          if (i >= chars.length) return undefined;
          lo = chars[i]!;
        }
        let hi = lo;
        if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
          i += 2;
          hi = chars[i]!;
          if (hi === '\\') {
            i++;
            if (i >= chars.length) return undefined;
            hi = chars[i]!;
          }
          if (hi < lo) return undefined;
        }
        ranges.push([lo, hi]);
        i++;
      }
      if (ranges.length === 0) return undefined;
      tokens.push({ kind: 'class', negated, ranges });
    } else {
      tokens.push({ kind: 'literal', char: c });
    }
  }
  return tokens;
}

function matchToken(token: PatternToken, char: string, dialect: GlobDialect): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === char;
    case 'any':
      return dialect.crossesSlash || char !== '/';
    case 'class': {
      if (!dialect.crossesSlash && char === '/') return false;
      const inClass = token.ranges.some(([lo, hi]) => lo <= char && char <= hi);
      return inClass !== token.negated;
    }
    case 'star':
      return false;
  }
}

function matchTokens(tokens: PatternToken[], text: string, dialect: GlobDialect): boolean {
  const chars = [...text];
  // reachable[j]: the tokens consumed so far can match the first j characters.
  let reachable = new Array<boolean>(chars.length + 1).fill(false);
  reachable[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(chars.length + 1).fill(false);
    if (token.kind === 'star') {
      for (let j = 0; j <= chars.length; j++) {
        if (reachable[j]) next[j] = true;
        else if (j > 0 && next[j - 1] && (dialect.crossesSlash || chars[j - 1] !== '/')) next[j] = true;
      }
    } else {
      for (let j = 1; j <= chars.length; j++) {
        if (reachable[j - 1] && matchToken(token, chars[j - 1]!, dialect)) next[j] = true;
      }
    }
    reachable = next;
  }
  return reachable[chars.length] === true;
}

const GO_PATH: GlobDialect = { crossesSlash: false, negations: '^' };
const GIT_PATHSPEC: GlobDialect = { crossesSlash: true, negations: '!^' };

/** Go's path.Match (the git directory generator): `*` stays within one path segment. undefined: bad pattern. */
export function goPathMatch(pattern: string, name: string): boolean | undefined {
  const tokens = tokenize(pattern, GO_PATH);
  if (!tokens) return undefined;
  return matchTokens(tokens, name, GO_PATH);
}

/**
 * `git ls-files -- PATTERN`, Argo CD's default for the git files generator: wildcards match across `/`
 * (so `apps/*.yaml` finds files at any depth), and a pattern without wildcards names a file or a directory prefix.
 */
export function gitPathspecMatch(pattern: string, name: string): boolean {
  const cleaned = pattern.replace(/^\.\//, '');
  if (!/[*?[\\]/.test(cleaned)) {
    const literal = cleaned.replace(/\/+$/, '');
    return name === literal || name.startsWith(`${literal}/`);
  }
  const tokens = tokenize(cleaned, GIT_PATHSPEC);
  return tokens !== undefined && matchTokens(tokens, name, GIT_PATHSPEC);
}
