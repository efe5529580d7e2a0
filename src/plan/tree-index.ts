import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { walkTree } from '../gitops/walk-tree.ts';

/**
 * Memoized, symlink-safe view of one checkout: file listings, contents digests and text probes.
 * Render cache keys and app-of-apps detection read the same files, so each is read once per plan.
 */
export class TreeIndex {
  readonly root: string;
  private readonly listings = new Map<string, Promise<string[]>>();
  private readonly digests = new Map<string, Promise<string | undefined>>();
  private readonly texts = new Map<string, Promise<string | undefined>>();

  constructor(root: string) {
    this.root = root;
  }

  /** Repository-relative files under `dir` (recursively), not following symlinked directories. */
  filesUnder(dir: string): Promise<string[]> {
    const key = posix.normalize(dir === '' ? '.' : dir);
    let listing = this.listings.get(key);
    if (!listing) {
      listing = this.walk(key);
      this.listings.set(key, listing);
    }
    return listing;
  }

  private async walk(dir: string): Promise<string[]> {
    const entries = await walkTree(this.root, dir);
    return entries
      .filter((entry) => entry.kind !== 'other')
      .map((entry) => entry.path)
      .sort();
  }

  /** Content digest of a file; a symlink hashes its link text, never its target. Undefined when absent. */
  digest(file: string): Promise<string | undefined> {
    let digest = this.digests.get(file);
    if (!digest) {
      digest = this.computeDigest(file);
      this.digests.set(file, digest);
    }
    return digest;
  }

  private async computeDigest(file: string): Promise<string | undefined> {
    const full = join(this.root, file);
    try {
      const stat = await lstat(full);
      if (stat.isSymbolicLink()) return `link:${await readlink(full)}`;
      if (!stat.isFile()) return undefined;
      return createHash('sha256')
        .update(await readFile(full))
        .digest('hex');
    } catch {
      return undefined;
    }
  }

  /** Text of a regular file inside the checkout (symlinks are not followed). */
  text(file: string): Promise<string | undefined> {
    let text = this.texts.get(file);
    if (!text) {
      text = (async () => {
        const full = join(this.root, file);
        try {
          const stat = await lstat(full);
          if (!stat.isFile() || stat.size > 4 * 1024 * 1024) return undefined;
          return await readFile(full, 'utf8');
        } catch {
          return undefined;
        }
      })();
      this.texts.set(file, text);
    }
    return text;
  }
}
