import type { Probot } from 'probot';
import type {
  DeliveryRetrier,
  HandlerDeps,
  HandlerLogger,
  PlanQueueLike,
} from './github/handlers/handler-deps.ts';
import { createOnCheckRun } from './github/handlers/on-check-run.ts';
import { createOnInstallation } from './github/handlers/on-installation.ts';
import { createOnIssueComment } from './github/handlers/on-issue-comment.ts';
import { createOnMergeGroup } from './github/handlers/on-merge-group.ts';
import { createOnMergedPullRequest } from './github/handlers/on-merged-pull-request.ts';
import { createOnPullRequest } from './github/handlers/on-pull-request.ts';
import { createOnPush, type DeliverQueueLike } from './github/handlers/on-push.ts';

export type { DeliveryRetrier, HandlerLogger, PlanQueueLike } from './github/handlers/handler-deps.ts';
export type { DeliverQueueLike } from './github/handlers/on-push.ts';

export interface AppDeps {
  /** A full `PlanQueue` also enables `/mergeplane approve` and `diff` (its `approvals` and `enqueueDiff`). */
  planQueue: PlanQueueLike;
  log?: HandlerLogger;
  /** Post-merge delivery: pushes to the default branch and merged pull requests are enqueued on it. */
  deliverQueue?: DeliverQueueLike;
  /** Post-merge delivery, for `/mergeplane retry`. */
  deliveryRetrier?: DeliveryRetrier;
  /** The drift checks, for `/mergeplane drift` in the drift report issue. */
  driftChecker?: HandlerDeps['driftChecker'];
}

/** The Probot app function: wires webhook events to their handlers and nothing else. */
export function createApp(deps: AppDeps): (app: Probot) => void {
  return (app) => {
    app.on('pull_request', createOnPullRequest(deps));
    app.on('issue_comment.created', createOnIssueComment(deps));
    app.on('check_run.rerequested', createOnCheckRun(deps));
    app.on('merge_group', createOnMergeGroup(deps));
    const onInstallation = createOnInstallation(deps);
    app.on('installation', onInstallation);
    app.on('installation_repositories', onInstallation);
    if (deps.deliverQueue !== undefined) {
      const mergeDeps = {
        deliverQueue: deps.deliverQueue,
        ...(deps.log === undefined ? {} : { log: deps.log }),
      };
      app.on('push', createOnPush(mergeDeps));
      app.on('pull_request.closed', createOnMergedPullRequest(mergeDeps));
    }
  };
}
