import type { Octokit } from '@octokit/rest';
import { CHECK_RUN_NAME } from './check-run-output.ts';

export interface FindPlanCheckRunOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  headSha: string;
  /** This App's id: a run of the same name by another App is not ours. Unknown: any App's run counts. */
  appId?: number;
}

/**
 * Our `Mergeplane / plan` check run for the head that is still queued or in progress, e.g. left by a worker
 * that died mid-job: the re-run takes it over instead of adding a second run to the commit.
 */
export interface OpenPlanCheckRun {
  id: number;
  /** The run's page on GitHub, linked from the plan comment's header. */
  htmlUrl?: string;
}

export async function findOpenPlanCheckRun(
  options: FindPlanCheckRunOptions,
): Promise<OpenPlanCheckRun | undefined> {
  const { octokit, owner, repo, headSha, appId } = options;
  const { data } = await octokit.rest.checks.listForRef({
    owner,
    repo,
    ref: headSha,
    check_name: CHECK_RUN_NAME,
    filter: 'latest',
    per_page: 100,
  });
  const open = data.check_runs.find(
    (run) =>
      run.name === CHECK_RUN_NAME &&
      run.status !== 'completed' &&
      (appId === undefined || run.app?.id === appId),
  );
  if (open === undefined) return undefined;
  return { id: open.id, ...(open.html_url ? { htmlUrl: open.html_url } : {}) };
}
