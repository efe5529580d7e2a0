import type { ClusterEntry } from '../cluster.ts';
import type { RepoTree } from './repo-tree.ts';

/**
 * One revision as the git generators read it, synchronously (expansion is synchronous): its listing, and the
 * files already loaded. A file not loaded yet throws TreeFilesNeeded; the caller loads them and expands again.
 */
export interface GeneratorTree {
  repoTree(options: { maxEntries: number; fail: (reason: string) => never }): RepoTree;
  /** Bytes of a regular file, when known without reading it. */
  size(file: string): number | undefined;
  /** A regular file's text; throws TreeFilesNeeded when it is not loaded. */
  text(file: string): string;
}

/** The files an expansion needs that its tree has not loaded (not an ApplicationSetError: load them, expand again). */
export class TreeFilesNeeded extends Error {
  override readonly name = 'TreeFilesNeeded';
  readonly files: string[];
  constructor(files: string[]) {
    super(`files not loaded: ${files.join(', ')}`);
    this.files = files;
  }
}

export interface GeneratorContext {
  /** The repository at one revision (git generators read it): a checkout directory, or a revision tree's view. */
  root: string | GeneratorTree;
  /** Config registry plus committed cluster Secrets. */
  clusters: ClusterEntry[];
  /** Git generators must point at this repository. */
  isThisRepo: (url: string) => boolean;
}
