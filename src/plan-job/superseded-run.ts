import type { Octokit } from '@octokit/rest';
import { findOpenPlanCheckRun } from '../github/find-plan-check-run.ts';
import type { PullRequestHead } from '../github/pull-request-head.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import { codeSpan } from '../report/escape-markdown.ts';

/** What ending a superseded run needs of the plan job's dependencies. */
interface SupersededRunDeps {
  octokit: Octokit;
  /** This App's id: only its own unfinished run is retired. */
  appId?: number;
}

/**
 * A superseded run ends `cancelled`: unlike `neutral` or `skipped`, GitHub does not count it as a passing
 * required check, so a commit whose plan was cut short can never be merged on it. The current head's
 * own job publishes that head's result.
 */
export const SUPERSEDED_CONCLUSION = 'cancelled';

export async function completeSuperseded(
  data: PlanJobData,
  deps: SupersededRunDeps,
  checkRunId: number,
  current: PullRequestHead,
): Promise<void> {
  const why = current.open
    ? `The pull request's head is now ${codeSpan(current.headSha.slice(0, 7))}; its plan decides the merge.`
    : 'The pull request was closed.';
  await deps.octokit.rest.checks.update({
    owner: data.owner,
    repo: data.repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: SUPERSEDED_CONCLUSION,
    completed_at: new Date().toISOString(),
    output: {
      title: 'Superseded: not the pull request head',
      summary: `This commit is no longer the pull request's head. ${why}`,
    },
  });
}

/** An open run of this stale head (left by an earlier attempt) is completed as superseded; none is created. */
export async function retireOpenRun(
  data: PlanJobData,
  deps: SupersededRunDeps,
  current: PullRequestHead,
): Promise<void> {
  const open = await findOpenPlanCheckRun({
    octokit: deps.octokit,
    owner: data.owner,
    repo: data.repo,
    headSha: data.headSha,
    ...(deps.appId === undefined ? {} : { appId: deps.appId }),
  });
  if (open !== undefined) await completeSuperseded(data, deps, open.id, current);
}
