import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Repository-relative, `/`-separated, sorted. */
export interface RepoTree {
  /** As Argo CD's repo server lists them for the directory generator: no root, nothing under a `.`-directory. */
  directories: string[];
  /** As `git ls-files` would list them: everything but `.git`; symbolic links are left out. */
  files: string[];
}

/**
 * Walks the checkout once. Symbolic links are never followed, so nothing outside the checkout is read;
 * `maxEntries` bounds the walk, `fail` reports going past it.
 */
export function listRepoTree(
  root: string,
  options: { maxEntries: number; fail: (reason: string) => never },
): RepoTree {
  const directories: string[] = [];
  const files: string[] = [];
  let seen = 0;
  const walk = (relative: string, hidden: boolean): void => {
    const entries = readdirSync(relative === '' ? root : join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      seen++;
      if (seen > options.maxEntries)
        options.fail(`the repository has more than ${options.maxEntries} entries`);
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (relative === '' && entry.name === '.git') continue;
        const isHidden = hidden || entry.name.startsWith('.');
        if (!isHidden) directories.push(path);
        walk(path, isHidden);
      } else if (entry.isFile()) {
        files.push(path);
      }
    }
  };
  walk('', false);
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { directories: directories.sort(byCodeUnit), files: files.sort(byCodeUnit) };
}
