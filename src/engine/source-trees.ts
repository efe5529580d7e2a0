import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import {
  type Checkout,
  type GitRepository,
  NotAGitRepositoryError,
  openGitRepository,
  UnknownRefError,
} from '../git/git-repository.ts';
import { createRepoMatcher, normalizeRepoUrl } from '../gitops/repo-url.ts';
import {
  type SourceRepositories,
  type SourceTree,
  SourceUnavailableError,
} from '../render/source-repositories.ts';

export interface SourceTreesOptions {
  /** This repository: a source of it at another revision (a tag, a pinned SHA) is checked out from it. */
  thisRepo: GitRepository;
  isThisRepo: (url: string) => boolean;
  /** `URL → DIR` (the CLI's `--source`): a git repository (the revision is checked out) or a plain directory. */
  dirs?: Readonly<Record<string, string>>;
  /** Asked for anything else (the App: the installation's repositories through the repo cache). */
  remote?: RemoteRepositories;
}

/**
 * A clone holding `revision` of `url`, fetched if need be (the App: the installation's repositories, synced into
 * its repo cache with the installation token); undefined when `url` is not a repository it can read. Throws
 * SourceUnavailableError when the repository or revision cannot be fetched.
 */
export type RemoteRepositories = (url: string, revision: string) => Promise<GitRepository | undefined>;

/** The plan's trees beyond its own checkouts; `dispose` removes the checkouts it made. */
export interface PlanSourceTrees extends SourceRepositories {
  dispose(): Promise<void>;
}

/**
 * Where a plan reads sources that are not in the checkout, in order: this repository's own history, the
 * configured directories, then the remote repositories. Every tree is checked out once per plan and removed after it.
 */
export function createSourceTrees(options: SourceTreesOptions): PlanSourceTrees {
  const checkouts: Checkout[] = [];
  const memo = new Map<string, Promise<SourceTree>>();
  const mappings = Object.entries(options.dirs ?? {}).map(([url, dir]) => ({
    matches: createRepoMatcher([url]),
    dir: resolvePath(dir),
  }));

  const checkoutOf = async (repo: GitRepository, revision: string): Promise<SourceTree> => {
    const sha = await repo.resolve(revision);
    const checkout = await repo.checkout(sha);
    checkouts.push(checkout);
    return { dir: checkout.dir, sha };
  };

  const fromDir = async (dir: string, revision: string): Promise<SourceTree> => {
    let repo: GitRepository;
    try {
      repo = await openGitRepository(dir);
    } catch (error) {
      if (!(error instanceof NotAGitRepositoryError)) throw error;
      const found = await stat(dir).catch(() => undefined);
      if (!found?.isDirectory()) {
        throw new SourceUnavailableError(`--source directory ${dir} does not exist`, { unreachable: true });
      }
      // A plain directory is read as it is: the revision cannot be checked.
      return { dir, sha: 'working-tree' };
    }
    try {
      return await checkoutOf(repo, revision);
    } catch (error) {
      if (!(error instanceof UnknownRefError)) throw error;
      throw new SourceUnavailableError(`revision ${revision} is not in ${dir}`, {
        unreachable: true,
        cause: error,
      });
    }
  };

  const find = async (url: string, revision: string): Promise<SourceTree> => {
    // A branch of this repository in the App's clone may be a leftover of an earlier sync: fetch it afresh
    // (a full SHA cannot move, and the CLI's own clone is the user's to keep up to date).
    const movable = !/^[0-9a-f]{40}$/i.test(revision);
    if (options.isThisRepo(url) && !(movable && options.remote)) {
      try {
        return await checkoutOf(options.thisRepo, revision);
      } catch (error) {
        if (!(error instanceof UnknownRefError)) throw error;
        if (!options.remote) {
          throw new SourceUnavailableError(`revision ${revision} is not in the local clone (fetch it)`, {
            unreachable: false,
            cause: error,
          });
        }
      }
    }
    const mapping = mappings.find((m) => m.matches(url));
    if (mapping) return fromDir(mapping.dir, revision);
    const remote = options.remote ? await options.remote(url, revision) : undefined;
    if (remote) {
      try {
        return await checkoutOf(remote, revision);
      } catch (error) {
        if (!(error instanceof UnknownRefError)) throw error;
        throw new SourceUnavailableError(`revision ${revision} was not found`, {
          unreachable: true,
          cause: error,
        });
      }
    }
    throw new SourceUnavailableError(
      `not read: no local copy is configured (mergeplane plan --source ${url}=DIR)`,
      { unreachable: false },
    );
  };

  return {
    tree(url, revision) {
      const wanted = revision === undefined || revision === '' ? 'HEAD' : revision;
      const key = `${normalizeRepoUrl(url).toLowerCase()}@${wanted}`;
      let tree = memo.get(key);
      if (!tree) {
        tree = find(url, wanted);
        memo.set(key, tree);
      }
      return tree;
    },
    async dispose() {
      await Promise.all(checkouts.map((c) => c.dispose()));
    },
  };
}
