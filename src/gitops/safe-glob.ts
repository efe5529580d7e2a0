import picomatch from 'picomatch';

// Globs from pull requests (value files, manifest-generate-paths) compile to backtracking RegExps: each
// `*` run multiplies the work on a path that almost matches, so their number and the size are bounded.
const MAX_WILDCARD_RUNS = 8;
const MAX_PATTERN_LENGTH = 1024;

export function isTooComplexGlob(pattern: string): boolean {
  const wildcardRuns = pattern.replace(/\\./g, '').match(/\*+/g)?.length ?? 0;
  return pattern.length > MAX_PATTERN_LENGTH || wildcardRuns > MAX_WILDCARD_RUNS;
}

/** A picomatch matcher (dotfiles included), or undefined for a pattern too complex to run safely. */
export function compileSafeGlob(pattern: string): ((path: string) => boolean) | undefined {
  if (isTooComplexGlob(pattern)) return undefined;
  return picomatch(pattern, { dot: true });
}
