import type { Dirent } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { type RevisionEntry, RevisionTree } from '../model/revision-tree.ts';

/** Walks at most this many entries: a directory tree is a local checkout, not an unbounded input. */
const MAX_ENTRIES = 1_000_000;

async function readEntry(root: string, path: string, entry: RevisionEntry): Promise<Buffer> {
  const full = join(root, ...path.split('/'));
  if (entry.kind === 'symlink') return Buffer.from(await readlink(full));
  // O_NOFOLLOW: a file swapped for a link after the walk is not followed out of the tree.
  const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * A directory read as a revision tree (a `--source` directory that is not a git repository, a checkout made
 * for delivery, test fixtures): walked once with `lstat` (links are entries, never entered), `.git` left out,
 * files read on demand. Entry ids are not content hashes, so nothing derived from it is cached beyond it.
 */
export async function openDirectoryTree(root: string, id = `dir:${root}`): Promise<RevisionTree> {
  const entries = new Map<string, RevisionEntry>();
  entries.set('.', { kind: 'dir', id: 'root' });
  let seen = 0;
  const visit = async (rel: string): Promise<void> => {
    let listing: Dirent[];
    try {
      listing = await readdir(rel === '.' ? root : join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const dirent of listing) {
      if (dirent.name === '.git') continue;
      if (++seen > MAX_ENTRIES) return;
      const path = rel === '.' ? dirent.name : `${rel}/${dirent.name}`;
      if (dirent.isDirectory()) {
        entries.set(path, { kind: 'dir', id: `dir:${path}` });
        await visit(path);
      } else if (dirent.isFile() || dirent.isSymbolicLink()) {
        const info = await lstat(join(root, path)).catch(() => undefined);
        if (!info) continue;
        entries.set(path, {
          kind: dirent.isFile() ? 'file' : 'symlink',
          id: `${info.ino}:${info.mtimeMs}:${info.size}`,
          size: info.size,
          ...((info.mode & 0o111) !== 0 && dirent.isFile() ? { executable: true } : {}),
        });
      } else {
        entries.set(path, { kind: 'other', id: `other:${path}` });
      }
    }
  };
  await visit('.');
  const limit = pLimit(32);
  return new RevisionTree({
    id,
    entries,
    // Bounded: a scan asks for every file at once, and each read holds a descriptor.
    reader: (path, entry) => limit(() => readEntry(root, path, entry)),
    contentAddressed: false,
  });
}
