import { lstat, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UnsafeContentError } from './render-error.ts';

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Resolves a repository-relative path and refuses it when the path itself, or a symlink on the way,
 * leads outside the checkout. The message names the path in the repository, never the link's target.
 */
export async function resolveInsideRoot(root: string, repoPath: string, what: string): Promise<string> {
  const realRoot = await realpath(root);
  const full = resolve(realRoot, repoPath.replace(/^\/+/, ''));
  if (!isInside(realRoot, full)) {
    throw new UnsafeContentError(`${what} ${repoPath} is outside the repository`, { file: repoPath });
  }
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    // Missing files are the tool's business (it reports them); only links are checked here.
    try {
      await lstat(full);
    } catch {
      return full;
    }
    throw new UnsafeContentError(
      `${what} ${repoPath} is a symbolic link that does not resolve inside the repository`,
      {
        file: repoPath,
      },
    );
  }
  if (!isInside(realRoot, real)) {
    throw new UnsafeContentError(
      `${what} ${repoPath} is a symbolic link that resolves outside the repository`,
      {
        file: repoPath,
      },
    );
  }
  return full;
}

/** Walks a directory of the checkout and refuses any symlink whose target lies outside the checkout. */
export async function assertTreeInsideRoot(root: string, repoDir: string, what: string): Promise<void> {
  const realRoot = await realpath(root);
  const start = await resolveInsideRoot(root, repoDir, what);
  const visit = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const full = join(dir, entry.name);
      const repoPath = relative(realRoot, full);
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = await realpath(full);
        } catch {
          continue;
        }
        if (!isInside(realRoot, real)) {
          throw new UnsafeContentError(
            `${what}: ${repoPath} is a symbolic link that resolves outside the repository`,
            { file: repoPath },
          );
        }
      } else if (entry.isDirectory()) {
        await visit(full);
      }
    }
  };
  await visit(start);
}
