import type { Context } from 'probot';
import { plansPullRequestAction } from '../plans-pull-request-action.ts';
import type { HandlerDeps } from './handler-deps.ts';

/**
 * `pull_request` webhook: plans new heads (drafts included) and drops queued plans of closed pull requests.
 * A fork's pull request is planned exactly like any other: the job names the BASE repository, whose
 * `refs/pull/N/head` carries the fork's commits, so nothing of the fork (its name, URL or credentials) is used.
 */
export function createOnPullRequest(deps: HandlerDeps): (context: Context<'pull_request'>) => Promise<void> {
  return async (context) => {
    const { payload } = context;
    const log = deps.log ?? context.log;
    const { owner, repo } = context.repo();
    const pullNumber = payload.pull_request.number;
    const fields = { deliveryId: context.id, repo: `${owner}/${repo}`, pullNumber, action: payload.action };

    if (payload.action === 'closed') {
      const removed = await deps.planQueue.dropPullRequest(owner, repo, pullNumber);
      log.info({ ...fields, removed }, 'pull request closed, pending plans dropped');
      return;
    }
    if (!plansPullRequestAction(payload.action, 'changes' in payload ? payload.changes : undefined)) return;

    const installationId = 'installation' in payload ? payload.installation?.id : undefined;
    if (installationId === undefined) {
      log.warn(fields, 'pull request event without installation, ignored');
      return;
    }
    const { jobId, duplicate } = await deps.planQueue.enqueue({
      deliveryId: context.id,
      installationId,
      owner,
      repo,
      pullNumber,
      headSha: payload.pull_request.head.sha,
      baseRef: payload.pull_request.base.ref,
      headRef: payload.pull_request.head.ref,
      trigger: 'pull_request',
      ...(payload.pull_request.user === null ? {} : { author: payload.pull_request.user.login }),
    });
    log.info({ ...fields, jobId, duplicate }, duplicate ? 'plan already queued' : 'plan queued');
  };
}
