import type { Context } from 'probot';
import { CHECK_RUN_NAME } from '../check-run-output.ts';
import type { HandlerDeps } from './handler-deps.ts';

interface PullTarget {
  number: number;
  headSha: string;
  baseRef: string;
  headRef: string;
  author?: string;
}

/**
 * `check_run.rerequested` ("Re-run" in the checks UI) on our `Mergeplane / plan` run: re-plans the pull
 * requests of that run. GitHub leaves `check_run.pull_requests` empty for pull requests from forks, so
 * then the open pull requests whose head is the run's commit are looked up.
 */
export function createOnCheckRun(
  deps: HandlerDeps,
): (context: Context<'check_run.rerequested'>) => Promise<void> {
  return async (context) => {
    const { payload } = context;
    const run = payload.check_run;
    if (run.name !== CHECK_RUN_NAME) return;
    const log = deps.log ?? context.log;
    const { owner, repo } = context.repo();
    const fields = {
      deliveryId: context.id,
      repo: `${owner}/${repo}`,
      checkRunId: run.id,
      headSha: run.head_sha,
    };
    const installationId = payload.installation?.id;
    if (installationId === undefined) {
      log.warn(fields, 'check run event without installation, ignored');
      return;
    }

    let targets: PullTarget[] = run.pull_requests
      // A run can list pull requests of other repositories that share the commit; only ours are planned.
      .filter((pr) => pr.base.repo.id === payload.repository.id)
      .map((pr) => ({ number: pr.number, headSha: pr.head.sha, baseRef: pr.base.ref, headRef: pr.head.ref }));
    if (run.pull_requests.length === 0) {
      const { data } = await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        owner,
        repo,
        commit_sha: run.head_sha,
        per_page: 100,
      });
      targets = data
        .filter(
          (pr) =>
            pr.state === 'open' && pr.head.sha === run.head_sha && pr.base.repo.id === payload.repository.id,
        )
        .map((pr) => ({
          number: pr.number,
          headSha: pr.head.sha,
          baseRef: pr.base.ref,
          headRef: pr.head.ref,
          ...(pr.user === null ? {} : { author: pr.user.login }),
        }));
    }
    if (targets.length === 0) {
      log.info(fields, 'check run re-run without an open pull request, ignored');
      return;
    }
    for (const pr of targets) {
      const { jobId, duplicate } = await deps.planQueue.enqueue({
        deliveryId: context.id,
        installationId,
        owner,
        repo,
        pullNumber: pr.number,
        headSha: pr.headSha,
        baseRef: pr.baseRef,
        headRef: pr.headRef,
        trigger: 'rerequest',
        ...(pr.author === undefined ? {} : { author: pr.author }),
      });
      log.info(
        { ...fields, pullNumber: pr.number, jobId, duplicate },
        duplicate ? 'plan already queued' : 'plan queued',
      );
    }
  };
}
