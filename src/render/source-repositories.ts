/** A tree of another repository (or of this one at another revision), read-only, owned by the plan. */
export interface SourceTree {
  dir: string;
  /** The commit the revision resolved to. */
  sha: string;
}

/** Where sources that are not in the checkout come from; implemented at the edge (CLI mappings, the App's repo cache). */
export interface SourceRepositories {
  /** Throws SourceUnavailableError naming why the tree cannot be had. */
  tree(repoURL: string, revision: string | undefined): Promise<SourceTree>;
}

/** A source repository or revision that cannot be read: not mapped, not reachable, not of the installation. */
export class SourceUnavailableError extends Error {
  override readonly name = 'SourceUnavailableError';
  /** True when the repository was asked and failed (an error); false when no way to read it is configured. */
  readonly unreachable: boolean;
  constructor(message: string, options: ErrorOptions & { unreachable: boolean }) {
    super(message, options);
    this.unreachable = options.unreachable;
  }
}
