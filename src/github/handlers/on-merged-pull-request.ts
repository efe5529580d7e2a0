import type { Context } from 'probot';
import type { MergeHandlerDeps } from './on-push.ts';

/**
 * `pull_request.closed` with `merged: true` into the default branch: delivers the merge commit. It collapses
 * with the push of the same merge (same merge SHA, same job), whichever arrives first; this one also records the
 * pull request number for the failure comment.
 */
export function createOnMergedPullRequest(
  deps: MergeHandlerDeps,
): (context: Context<'pull_request.closed'>) => Promise<void> {
  return async (context) => {
    const { payload } = context;
    const pr = payload.pull_request;
    const defaultBranch = payload.repository.default_branch;
    if (!pr.merged || pr.base.ref !== defaultBranch || !pr.merge_commit_sha) return;
    const log = deps.log ?? context.log;
    const { owner, repo } = context.repo();
    const fields = {
      deliveryId: context.id,
      repo: `${owner}/${repo}`,
      pullNumber: pr.number,
      after: pr.merge_commit_sha,
    };
    const installationId = 'installation' in payload ? payload.installation?.id : undefined;
    if (installationId === undefined) {
      log.warn(fields, 'pull request event without installation, ignored');
      return;
    }
    const { jobId, duplicate } = await deps.deliverQueue.enqueueMerge({
      deliveryId: context.id,
      installationId,
      owner,
      repo,
      after: pr.merge_commit_sha,
      baseBranch: defaultBranch,
      pullNumber: pr.number,
      trigger: 'pull_request',
    });
    log.info({ ...fields, jobId, duplicate }, duplicate ? 'delivery already queued' : 'delivery queued');
  };
}
