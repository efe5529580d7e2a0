import type { DeliverQueue } from '../queue/deliver-queue.ts';
import { type FailFastOptions, failFast } from './fail-fast-queue.ts';

/** The deliver queue as the webhook handlers get it: calls fail fast with `QueueUnavailableError` when Redis is down. */
export function guardDeliverQueue(
  queue: DeliverQueue,
  options: FailFastOptions,
): Pick<DeliverQueue, 'enqueueMerge' | 'retryFailed'> {
  return {
    enqueueMerge: failFast(
      (...args: Parameters<DeliverQueue['enqueueMerge']>) => queue.enqueueMerge(...args),
      options,
    ),
    retryFailed: failFast(
      (...args: Parameters<DeliverQueue['retryFailed']>) => queue.retryFailed(...args),
      options,
    ),
  };
}
