import type { Context } from 'probot';
import { parseQueueRef } from '../merge-queue-entries.ts';
import type { HandlerDeps } from './handler-deps.ts';

/**
 * `merge_group` webhook: a merge queue asks for checks on a group's head commit (`checks_requested`), so the
 * group is planned against the base commit it was built on and `Mergeplane / plan` is published on its head; a
 * destroyed group (merged, dequeued or invalidated) drops its plan if it still waits.
 */
export function createOnMergeGroup(deps: HandlerDeps): (context: Context<'merge_group'>) => Promise<void> {
  return async (context) => {
    const { payload } = context;
    const log = deps.log ?? context.log;
    const { owner, repo } = context.repo();
    const group = payload.merge_group;
    const fields = {
      deliveryId: context.id,
      repo: `${owner}/${repo}`,
      headSha: group.head_sha,
      headRef: group.head_ref,
      action: payload.action,
    };
    const queue = deps.planQueue;
    if (queue.enqueueMergeGroup === undefined || queue.dropMergeGroup === undefined) {
      log.warn(fields, 'merge queue groups are not planned by this server');
      return;
    }
    if (payload.action === 'destroyed') {
      const removed = await queue.dropMergeGroup(owner, repo, group.head_sha);
      log.info({ ...fields, removed, reason: payload.reason }, 'merge group destroyed');
      return;
    }
    if (payload.action !== 'checks_requested') return;
    const entry = parseQueueRef(group.head_ref);
    const installationId = payload.installation?.id;
    if (entry === undefined || installationId === undefined) {
      log.warn(fields, 'merge group without a queue branch or installation, ignored');
      return;
    }
    const { jobId, duplicate } = await queue.enqueueMergeGroup({
      deliveryId: context.id,
      installationId,
      owner,
      repo,
      pullNumber: entry.pullNumber,
      headSha: group.head_sha,
      baseRef: group.base_ref.replace(/^refs\/heads\//, ''),
      headRef: group.head_ref,
      trigger: 'merge_group',
      mergeGroup: { baseSha: group.base_sha, headRef: group.head_ref },
    });
    log.info(
      { ...fields, jobId, duplicate },
      duplicate ? 'merge group plan already queued' : 'merge group plan queued',
    );
  };
}
