import type { Context } from 'probot';
import { isNullSha } from '../../queue/deliver-job.ts';
import type { DeliverQueue } from '../../queue/deliver-queue.ts';
import type { HandlerLogger } from './handler-deps.ts';

/** The part of the deliver queue the merge handlers use. */
export type DeliverQueueLike = Pick<DeliverQueue, 'enqueueMerge'>;

export interface MergeHandlerDeps {
  deliverQueue: DeliverQueueLike;
  /** Defaults to the event's `context.log`. */
  log?: HandlerLogger;
}

/**
 * `push` webhook: a push to the repository's default branch is a merge to deliver (planned between its `before`
 * and `after`). Other branches, tags, branch deletions and the branch's creation (nothing before it to compare
 * with) are ignored.
 */
export function createOnPush(deps: MergeHandlerDeps): (context: Context<'push'>) => Promise<void> {
  return async (context) => {
    const { payload } = context;
    const log = deps.log ?? context.log;
    const { owner, repo } = context.repo();
    const defaultBranch = payload.repository.default_branch;
    if (payload.ref !== `refs/heads/${defaultBranch}`) return;
    const fields = {
      deliveryId: context.id,
      repo: `${owner}/${repo}`,
      ref: payload.ref,
      after: payload.after,
    };
    if (payload.deleted || isNullSha(payload.after)) {
      log.info(fields, 'default branch deleted, nothing to deliver');
      return;
    }
    if (payload.created || isNullSha(payload.before)) {
      log.info(fields, 'default branch created, nothing to compare with: not delivered');
      return;
    }
    const installationId = 'installation' in payload ? payload.installation?.id : undefined;
    if (installationId === undefined) {
      log.warn(fields, 'push event without installation, ignored');
      return;
    }
    const { jobId, duplicate } = await deps.deliverQueue.enqueueMerge({
      deliveryId: context.id,
      installationId,
      owner,
      repo,
      before: payload.before,
      after: payload.after,
      baseBranch: defaultBranch,
      trigger: 'push',
    });
    log.info({ ...fields, jobId, duplicate }, duplicate ? 'delivery already queued' : 'delivery queued');
  };
}
