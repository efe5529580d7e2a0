import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A non-directory entry of a checkout; `kind` comes from the directory listing itself (no extra lstat). */
export interface TreeEntry {
  /** Repository-relative POSIX path. */
  path: string;
  kind: 'file' | 'symlink' | 'other';
}

/**
 * Every non-directory entry under `dir` (repository-relative, `.` for the root of `root`), depth first in
 * directory-listing order. `.git` is skipped and symlinked directories are reported, never entered, so a
 * walk stays inside the checkout and terminates; unreadable directories are skipped.
 */
export async function walkTree(root: string, dir: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const visit = async (rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const path = rel === '.' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await visit(path);
      else out.push({ path, kind: entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other' });
    }
  };
  await visit(dir);
  return out;
}
