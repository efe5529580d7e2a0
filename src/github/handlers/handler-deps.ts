import type { PlanQueue } from '../../queue/plan-queue.ts';

/**
 * The part of the plan queue the webhook handlers use, so tests and the entry file can pass a narrower one.
 * Without `enqueueDiff` / `approvals`, `/mergeplane diff` / `approve` answer that they are not available.
 */
export type PlanQueueLike = Pick<PlanQueue, 'enqueue' | 'dropPullRequest'> &
  Partial<Pick<PlanQueue, 'enqueueDiff' | 'approvals'>>;

/** Structured logging with fixed messages; pino (Probot's `context.log`) satisfies it. */
export interface HandlerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Re-enqueues the failed post-merge delivery jobs of a merged pull request (`/mergeplane retry`). */
export interface DeliveryRetrier {
  retryFailed(input: {
    owner: string;
    repo: string;
    pullNumber: number;
    mergeSha: string;
  }): Promise<{ retried: number }>;
}

export interface HandlerDeps {
  planQueue: PlanQueueLike;
  /** Defaults to the event's `context.log` (which already carries the delivery id). */
  log?: HandlerLogger;
  /** Post-merge delivery; without it `/mergeplane retry` answers that delivery is not configured. */
  deliveryRetrier?: DeliveryRetrier;
}
