import type { Probot } from 'probot';
import type { HandlerLogger, PlanQueueLike } from './github/handlers/handler-deps.ts';
import { createOnIssueComment } from './github/handlers/on-issue-comment.ts';
import { createOnPullRequest } from './github/handlers/on-pull-request.ts';

export type { HandlerLogger, PlanQueueLike } from './github/handlers/handler-deps.ts';

export interface AppDeps {
  planQueue: PlanQueueLike;
  log?: HandlerLogger;
}

/** The Probot app function: wires webhook events to their handlers and nothing else. */
export function createApp(deps: AppDeps): (app: Probot) => void {
  return (app) => {
    app.on('pull_request', createOnPullRequest(deps));
    app.on('issue_comment.created', createOnIssueComment(deps));
  };
}
