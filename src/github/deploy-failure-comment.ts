import type { Octokit } from '@octokit/rest';
import { escapeInline } from '../report/escape-markdown.ts';
import { redactCredentials } from './commit-status.ts';

export interface DeployFailure {
  /** `app guestbook`, `KubernetesCluster platform/prod-sa`. */
  label: string;
  /** The commit status context it was reported under. */
  context: string;
  /** failed: the job ended badly; not-started: an earlier stage failed. */
  kind: 'failed' | 'not-started';
  reason: string;
  targetUrl?: string;
}

export interface DeployFailureCommentInput {
  mergeSha: string;
  failures: readonly DeployFailure[];
  /** Number of the delivery attempt (1 = the merge itself, 2 = first `/mergeplane retry`, …). */
  attempt: number;
}

const MARKER_PREFIX = '<!-- mergeplane:deploy-failure';

/** The comment posted on the merged pull request when a post-merge delivery fails. */
export function renderDeployFailureComment(input: DeployFailureCommentInput): string {
  const short = input.mergeSha.slice(0, 7);
  const failed = input.failures.filter((f) => f.kind === 'failed');
  const notStarted = input.failures.filter((f) => f.kind === 'not-started');
  const line = (f: DeployFailure) => {
    const label = f.targetUrl ? `[${escapeInline(f.label)}](${f.targetUrl})` : escapeInline(f.label);
    return `- **${label}**: ${escapeInline(redactCredentials(f.reason))}`;
  };
  const lines = [
    `${MARKER_PREFIX} sha=${input.mergeSha} attempt=${input.attempt} -->`,
    `### :x: Mergeplane: delivery of ${short} failed`,
    '',
    input.attempt > 1 ? `Retry ${input.attempt - 1} of the delivery failed again.` : '',
    failed.length > 0 ? `**Failed** (${failed.length}):` : '',
    ...failed.map(line),
  ];
  if (notStarted.length > 0) {
    lines.push('', `**Not started** (${notStarted.length}):`, ...notStarted.map(line));
  }
  lines.push(
    '',
    'Fix the cause (or wait for a transient problem to pass), then comment `/mergeplane retry` on this pull ' +
      'request: only the failed and not started jobs run again; what succeeded is not repeated.',
  );
  return lines.filter((l, i, all) => !(l === '' && (i === 0 || all[i - 1] === ''))).join('\n');
}

/**
 * The pull request a merge commit came from: the one given, else the one GitHub associates with the commit
 * (GET /repos/{owner}/{repo}/commits/{sha}/pulls), preferring the pull request merged as exactly that commit.
 */
export async function pullRequestOfCommit(
  octokit: Octokit,
  input: { owner: string; repo: string; sha: string },
): Promise<number | undefined> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    owner: input.owner,
    repo: input.repo,
    commit_sha: input.sha,
  });
  const merged = data.find((pr) => pr.merge_commit_sha === input.sha) ?? data.find((pr) => pr.merged_at);
  return merged?.number;
}

export async function postDeployFailureComment(
  octokit: Octokit,
  input: { owner: string; repo: string; pullNumber: number; body: string },
): Promise<{ url: string }> {
  const { data } = await octokit.rest.issues.createComment({
    owner: input.owner,
    repo: input.repo,
    issue_number: input.pullNumber,
    body: input.body,
  });
  return { url: data.html_url };
}
