import type { PlanQueueLike } from '../app.ts';
import type { PlanQueue } from '../queue/plan-queue.ts';
import { type FailFastOptions, failFast } from './fail-fast-queue.ts';

/**
 * The plan queue as the webhook handlers get it: every write and read fails fast with
 * `QueueUnavailableError` when Redis is down, so the endpoint can answer 503 within the delivery's time.
 */
export function guardPlanQueue(queue: PlanQueue, options: FailFastOptions): PlanQueueLike {
  return {
    enqueue: failFast((...args: Parameters<PlanQueue['enqueue']>) => queue.enqueue(...args), options),
    enqueueDiff: failFast(
      (...args: Parameters<PlanQueue['enqueueDiff']>) => queue.enqueueDiff(...args),
      options,
    ),
    enqueueMergeGroup: failFast(
      (...args: Parameters<PlanQueue['enqueueMergeGroup']>) => queue.enqueueMergeGroup(...args),
      options,
    ),
    dropMergeGroup: failFast(
      (...args: Parameters<PlanQueue['dropMergeGroup']>) => queue.dropMergeGroup(...args),
      options,
    ),
    dropPullRequest: failFast(
      (...args: Parameters<PlanQueue['dropPullRequest']>) => queue.dropPullRequest(...args),
      options,
    ),
    approvals: {
      record: failFast(
        (...args: Parameters<PlanQueue['approvals']['record']>) => queue.approvals.record(...args),
        options,
      ),
      list: failFast(
        (...args: Parameters<PlanQueue['approvals']['list']>) => queue.approvals.list(...args),
        options,
      ),
    },
  };
}
