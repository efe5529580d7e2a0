import { isTooComplexGlob } from '../gitops/safe-glob.ts';
import { UnsafeContentError } from './render-error.ts';

/**
 * Argo CD's `directory.include` / `directory.exclude` matching (gobwas/glob without separators): `*` and `**`
 * match any run of characters including `/`, `?` one character, `[...]` / `[!...]` classes, `{a,b}`
 * alternatives, `\` escapes. A pattern list may also be comma-separated at the top level (`a.yaml,b/*`).
 */
export function matchesArgoGlob(patterns: string, path: string): boolean {
  return compileArgoGlob(patterns).test(path);
}

// Bounded so a long-running server does not keep every pattern it ever saw.
const CACHE_LIMIT = 256;
const cache = new Map<string, RegExp>();

export function compileArgoGlob(patterns: string): RegExp {
  let regexp = cache.get(patterns);
  if (!regexp) {
    // Patterns come from pull requests and compile to backtracking RegExps (see isTooComplexGlob).
    if (isTooComplexGlob(patterns)) {
      throw new UnsafeContentError(`directory include/exclude pattern is too complex to match safely`);
    }
    const alternatives = splitTopLevel(patterns.trim()).map((p) => translate(p.trim()));
    regexp = new RegExp(`^(?:${alternatives.join('|')})$`, 's');
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(patterns, regexp);
  }
  return regexp;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  out.push(current);
  return out;
}

const SPECIAL = /[.+^$()|\\/[\]{}*?-]/;

function escapeChar(c: string): string {
  return SPECIAL.test(c) ? `\\${c}` : c;
}

function translate(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      out += escapeChar(pattern[i + 1]!);
      i++;
    } else if (c === '*') {
      while (pattern[i + 1] === '*') i++;
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else if (c === '{') {
      const end = matchingBrace(pattern, i);
      if (end === -1) {
        out += '\\{';
        continue;
      }
      const inner = splitTopLevel(pattern.slice(i + 1, end)).map(translate);
      out += `(?:${inner.join('|')})`;
      i = end;
    } else {
      out += escapeChar(c);
    }
  }
  return out;
}

function matchingBrace(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
