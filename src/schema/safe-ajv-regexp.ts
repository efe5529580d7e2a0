import type { CodeOptions } from 'ajv';
import { compileSafeRegExp, UnsafeRegExpError } from '../crossplane/safe-regexp.ts';

/**
 * `pattern`s of CRD and XRD schemas come from the pull request and are RE2. Run on JavaScript's backtracking engine
 * a hostile one could hang the plan, so ajv gets them through the same RE2 translation the Composition transforms
 * use: patterns outside the safe subset are refused when compiling (`isSafePattern` lets callers leave them out with
 * a note first), and an input longer than the pattern's budget is not checked rather than risked.
 */
export const safeRegExpEngine: NonNullable<CodeOptions['regExp']> = Object.assign(
  (source: string) => {
    const compiled = compileSafeRegExp(source);
    return { test: (input: string) => input.length > compiled.maxInputLength || compiled.test(input) };
  },
  { code: 'safeRegExpEngine' },
);

/** True when the pattern can be checked safely; false for anything not RE2 or that could backtrack badly. */
export function isSafePattern(pattern: unknown): boolean {
  if (typeof pattern !== 'string') return false;
  try {
    compileSafeRegExp(pattern);
    return true;
  } catch (error) {
    if (error instanceof UnsafeRegExpError) return false;
    throw error;
  }
}
