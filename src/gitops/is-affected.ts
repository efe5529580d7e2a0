import picomatch from 'picomatch';
import type { AppInputs } from './app-inputs.ts';
import { compileSafeGlob } from './safe-glob.ts';

function under(file: string, dir: string): boolean {
  return dir === '.' || dir === '' || file === dir || file.startsWith(`${dir}/`);
}

function ancestors(file: string): string[] {
  const parts = file.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * A matcher for one `manifest-generate-paths` entry, following Argo CD: a path covers itself and everything
 * under it; a glob pattern matches a changed file, or one of its directories (so `apps/*` covers `apps/a/x.yaml`).
 */
function generatePathMatcher(path: string): (file: string) => boolean {
  if (!picomatch.scan(path).isGlob) return (file) => under(file, path);
  const matches = compileSafeGlob(path);
  // A pattern too complex to run safely triggers nothing; the render still reads what it reads.
  if (!matches) return () => false;
  return (file) => matches(file) || ancestors(file).some((dir) => matches(dir));
}

const matchers = new WeakMap<AppInputs, (file: string) => boolean>();

/** The matcher of an app's inputs, made once per inputs object (they are cached and shared between plans). */
function matcherOf(inputs: AppInputs): (file: string) => boolean {
  let matcher = matchers.get(inputs);
  if (!matcher) {
    matcher = createMatcher(inputs);
    matchers.set(inputs, matcher);
  }
  return matcher;
}

function createMatcher(inputs: AppInputs): (file: string) => boolean {
  const files = new Set(inputs.files);
  const generated = (inputs.generatePaths ?? []).map(generatePathMatcher);
  return (file) =>
    files.has(file) ||
    inputs.dirs.some((dir) => under(file, dir)) ||
    generated.some((matches) => matches(file));
}

/** Whether any changed file is something the app's render reads or one of its trigger paths. */
export function isAffected(inputs: AppInputs, changedFiles: readonly string[]): boolean {
  return changedFiles.some(matcherOf(inputs));
}

/** The changed files that affect the app (sorted), to explain why it is planned. */
export function affectingFiles(inputs: AppInputs, changedFiles: readonly string[]): string[] {
  return [...new Set(changedFiles.filter(matcherOf(inputs)))].sort();
}
