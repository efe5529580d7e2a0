import type { Octokit } from '@octokit/rest';
import { DRIFT_ISSUE_TITLE, isDriftIssueBody } from '../report/render-drift-issue.ts';

export type DriftIssueAction = 'created' | 'updated' | 'reopened' | 'closed' | 'none';

/** Issues listed while looking for the report: the App opens one per repository, so a few pages are plenty. */
const MAX_PAGES = 5;

interface FoundIssue {
  number: number;
  state: string;
  body: string;
}

/**
 * The drift report issue: one the App opened (its login) whose body starts with the marker. GitHub lists pull
 * requests among issues; those are skipped.
 */
export async function findDriftIssue(
  octokit: Octokit,
  o: { owner: string; repo: string; appLogin: string },
): Promise<FoundIssue | undefined> {
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const { data } = await octokit.rest.issues.listForRepo({
      owner: o.owner,
      repo: o.repo,
      state: 'all',
      creator: o.appLogin,
      per_page: 100,
      page,
    });
    const found = data.find(
      (issue) =>
        issue.pull_request === undefined && issue.user?.login === o.appLogin && isDriftIssueBody(issue.body),
    );
    if (found !== undefined) return { number: found.number, state: found.state, body: found.body ?? '' };
    if (data.length < 100) return undefined;
  }
  return undefined;
}

/**
 * Brings the drift issue to the check's result: opened (or reopened) and edited while anything drifts, edited and
 * closed once everything is back in sync; no issue is opened for a repository that never drifted.
 */
export async function publishDriftIssue(
  octokit: Octokit,
  o: { owner: string; repo: string; appLogin: string; body: string; drifted: boolean },
): Promise<{ action: DriftIssueAction; issue?: number }> {
  const { owner, repo } = o;
  const issue = await findDriftIssue(octokit, o);
  if (issue === undefined) {
    if (!o.drifted) return { action: 'none' };
    const { data } = await octokit.rest.issues.create({
      owner,
      repo,
      title: DRIFT_ISSUE_TITLE,
      body: o.body,
    });
    return { action: 'created', issue: data.number };
  }
  const open = issue.state === 'open';
  if (!o.drifted && !open) return { action: 'none', issue: issue.number };
  const state = o.drifted ? 'open' : 'closed';
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: issue.number,
    body: o.body,
    ...(open === o.drifted ? {} : { state, state_reason: o.drifted ? 'reopened' : 'completed' }),
  });
  const action: DriftIssueAction = open === o.drifted ? 'updated' : o.drifted ? 'reopened' : 'closed';
  return { action, issue: issue.number };
}
