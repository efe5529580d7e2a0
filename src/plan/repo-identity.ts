import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { createRepoMatcher } from '../gitops/repo-url.ts';

const SHA_LIKE = /^[0-9a-f]{7,40}$/i;

/**
 * Which repoURLs name this repository: config `repository.url` (or the `origin` remote) plus aliases.
 * With no identity at all (a local repository without a remote), every source counts as this repository.
 */
export function repoMatcher(
  config: MergeplaneConfig,
  originUrl: string | undefined,
): (url: string) => boolean {
  const primary = config.repository.url ?? originUrl;
  const urls = [...(primary ? [primary] : []), ...config.repository.aliases];
  if (urls.length === 0) return () => true;
  return createRepoMatcher(urls);
}

/**
 * The branch Applications must track to be planned: config wins, else the `--base` ref when it names
 * a branch, else the remote's default branch, else the branch checked out locally.
 */
export function trackedBranch(
  config: MergeplaneConfig,
  baseRef: string,
  defaultBranch: string | undefined,
  currentBranch?: string,
): string | undefined {
  if (config.repository.baseBranch) return config.repository.baseBranch;
  if (!SHA_LIKE.test(baseRef) && !baseRef.includes('~') && !baseRef.includes('^') && baseRef !== 'HEAD') {
    return baseRef.replace(/^refs\/heads\//, '').replace(/^(refs\/remotes\/)?origin\//, '');
  }
  return defaultBranch ?? currentBranch;
}
