import { posix } from 'node:path';
import type { RevisionTree } from '../model/revision-tree.ts';

/** Files larger than this are not probed for text (app-of-apps detection, chart repositories). */
const MAX_PROBED_BYTES = 4 * 1024 * 1024;

/**
 * One revision as the plan reads it: file listings, content digests (blob ids in git) and text probes, all
 * through the revision's tree, so the render cache and app-of-apps detection read each file once.
 */
export class TreeIndex {
  readonly tree: RevisionTree;

  constructor(tree: RevisionTree) {
    this.tree = tree;
  }

  /** Repository-relative files and links under `dir` (recursively), not entering symlinked directories. */
  async filesUnder(dir: string): Promise<string[]> {
    return this.tree.filesUnder(posix.normalize(dir === '' ? '.' : dir));
  }

  /** Content digest of a file; a symlink's is its link text, never its target. Undefined when absent. */
  digest(file: string): Promise<string | undefined> {
    return this.tree.digest(file);
  }

  /** Text of a regular file of the tree (symlinks are not followed). */
  async text(file: string): Promise<string | undefined> {
    const read = await this.tree.boundedText(file, MAX_PROBED_BYTES);
    return read !== undefined && 'text' in read ? read.text : undefined;
  }
}
