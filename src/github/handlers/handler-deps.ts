import type { DeliveryRetrier } from '../../queue/deliver-queue.ts';
import type { DriftQueue } from '../../queue/drift-queue.ts';
import type { PlanQueue } from '../../queue/plan-queue.ts';

export type { DeliveryRetrier } from '../../queue/deliver-queue.ts';

/**
 * The part of the plan queue the webhook handlers use, so tests and the entry file can pass a narrower one.
 * Without `enqueueDiff` / `approvals`, `/mergeplane diff` / `approve` answer that they are not available; without
 * `enqueueMergeGroup` / `dropMergeGroup`, merge queue groups are logged and not planned.
 */
export type PlanQueueLike = Pick<PlanQueue, 'enqueue' | 'dropPullRequest'> &
  Partial<Pick<PlanQueue, 'enqueueDiff' | 'approvals' | 'enqueueMergeGroup' | 'dropMergeGroup'>>;

/** Structured logging with fixed messages; pino (Probot's `context.log`) satisfies it. */
export interface HandlerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface HandlerDeps {
  planQueue: PlanQueueLike;
  /** Defaults to the event's `context.log` (which already carries the delivery id). */
  log?: HandlerLogger;
  /** Post-merge delivery; without it `/mergeplane retry` answers that delivery is not configured. */
  deliveryRetrier?: DeliveryRetrier;
  /** `/mergeplane drift` in the drift report issue; without it the command answers that it is not available. */
  driftChecker?: Pick<DriftQueue, 'checkNow'>;
}
