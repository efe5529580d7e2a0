import type { PlanQueue } from '../../queue/plan-queue.ts';

/** The part of the plan queue the webhook handlers use, so tests and the entry file can pass a narrower one. */
export type PlanQueueLike = Pick<PlanQueue, 'enqueue' | 'dropPullRequest'>;

/** Structured logging with fixed messages; pino (Probot's `context.log`) satisfies it. */
export interface HandlerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface HandlerDeps {
  planQueue: PlanQueueLike;
  /** Defaults to the event's `context.log` (which already carries the delivery id). */
  log?: HandlerLogger;
}
