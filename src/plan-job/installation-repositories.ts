import type { RemoteRepositories } from '../engine/source-trees.ts';
import { isPermanentGitError, type RepoCache, RepoSyncError } from '../git/repo-cache.ts';
import { normalizeRepoUrl } from '../gitops/repo-url.ts';
import { SourceUnavailableError } from '../render/source-repositories.ts';

const SHA = /^[0-9a-f]{40}$/i;

/**
 * Sources in other repositories of the installation, for the App: fetched read-only with the installation token
 * through the same repo cache as the planned repository. Only URLs on the App's own git host are asked (the
 * token goes nowhere else); a repository outside the installation is refused by GitHub, which names it.
 */
export function installationRepositories(options: {
  repoCache: RepoCache;
  token: string;
}): RemoteRepositories {
  const host = options.repoCache.host ?? 'github.com';
  return async (url, revision) => {
    const parts = normalizeRepoUrl(url).split('/');
    if (parts.length !== 3 || parts[0]!.toLowerCase() !== host) return undefined;
    const [, owner, repo] = parts as [string, string, string];
    const sync = (refs: string[]) => options.repoCache.sync({ owner, repo, token: options.token, refs });
    try {
      if (revision === 'HEAD' || SHA.test(revision) || revision.startsWith('refs/'))
        return await sync([revision]);
      // Argo CD reads a bare targetRevision as a branch or a tag.
      try {
        return await sync([revision]);
      } catch (error) {
        if (!(error instanceof RepoSyncError && error.permanent)) throw error;
        return await sync([`refs/tags/${revision}`]);
      }
    } catch (error) {
      if (!isPermanentGitError(error) && !(error instanceof RepoSyncError)) throw error;
      throw new SourceUnavailableError((error as Error).message, { unreachable: true, cause: error });
    }
  };
}
