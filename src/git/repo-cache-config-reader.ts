import { type ConfigFileReader, ConfigSourceError, MAX_CONFIG_FILE_BYTES } from '../config/config-extends.ts';
import { FileTooLargeError } from './git-repository.ts';
import { isPermanentGitError, type RepoCache, RepoSyncError } from './repo-cache.ts';

/**
 * The App's reader of the files `_extends` names (organisation defaults): the named repository's default branch,
 * fetched with the installation token through the worker's repo cache, as Probot reads them. `owner` is the planned
 * repository's owner, used when `_extends` names a repository alone (`.github`). A repository the installation
 * cannot read (not installed on it, gone, empty) fails the `config` gate with its name; a transient git failure is
 * thrown as it is, so the job is retried.
 */
export function repoCacheConfigReader(options: {
  repoCache: RepoCache;
  token: string;
  owner: string;
}): ConfigFileReader {
  return async (source) => {
    const owner = source.owner ?? options.owner;
    // The size is asked before the blob is read: a parent is never loaded whole only to be refused.
    let text: string | undefined;
    try {
      const repository = await options.repoCache.sync({
        owner,
        repo: source.repo,
        token: options.token,
        refs: ['HEAD'],
      });
      text = await repository.readFile(await repository.resolve('HEAD'), source.path, {
        maxBytes: MAX_CONFIG_FILE_BYTES,
      });
    } catch (error) {
      if (error instanceof FileTooLargeError) {
        throw new ConfigSourceError(`larger than ${MAX_CONFIG_FILE_BYTES} bytes`, { cause: error });
      }
      if (error instanceof RepoSyncError && error.permanent) {
        throw new ConfigSourceError(
          `${owner}/${source.repo} cannot be read with Mergeplane's token (install the App on it; in GitHub Actions, give a config-token that can read it)`,
          { cause: error },
        );
      }
      if (isPermanentGitError(error)) {
        throw new ConfigSourceError(`${owner}/${source.repo}: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
    return text;
  };
}
