import type { Octokit } from '@octokit/rest';
import { PermanentPlanError } from '../queue/permanent-plan-error.ts';
import { isPlanCurrent } from '../queue/plan-job.ts';
import { requestStatus } from './request-status.ts';

/** A pull request as GitHub reports it now: the only authority on which commit is its head. */
export interface PullRequestHead {
  open: boolean;
  headSha: string;
  baseRef: string;
  headRef: string;
  author?: string;
}

/**
 * Reads the pull request's current head from GitHub (`pulls.get`). Webhooks arrive in any order and may be
 * redelivered, so no event decides which commit is the head. A pull request or repository that is gone
 * (404) is a permanent failure.
 */
export async function readPullRequestHead(
  octokit: Octokit,
  ref: { owner: string; repo: string; pullNumber: number },
): Promise<PullRequestHead> {
  try {
    const { data } = await octokit.rest.pulls.get({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.pullNumber,
    });
    return {
      open: data.state === 'open',
      headSha: data.head.sha.toLowerCase(),
      baseRef: data.base.ref,
      headRef: data.head.ref,
      ...(data.user ? { author: data.user.login } : {}),
    };
  } catch (error) {
    if (requestStatus(error) === 404) {
      throw new PermanentPlanError(`pull request ${ref.owner}/${ref.repo}#${ref.pullNumber} not found`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Whether `headSha` is the head of the open pull request `current`. */
export function isHeadOf(current: PullRequestHead, headSha: string): boolean {
  return isPlanCurrent({ headSha, latestHeadSha: current.headSha, closed: !current.open });
}

/**
 * 404 (the repository or pull request is gone) and 403 that is not a rate limit (the App lost access) do
 * not change on a retry.
 */
export function isPermanentGitHubError(error: unknown): boolean {
  const status = requestStatus(error);
  if (status === 404) return true;
  if (status !== 403) return false;
  const headers =
    (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  return headers['retry-after'] === undefined && headers['x-ratelimit-remaining'] !== '0';
}
