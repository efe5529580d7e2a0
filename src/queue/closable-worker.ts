import type { Worker } from 'bullmq';
import type { BullConnections } from './redis-connection.ts';

/** A BullMQ worker with its own connections, as the process closes it. */
export interface ClosableWorker<T, R = unknown> {
  readonly worker: Worker<T, R>;
  /** Closes the worker, then its connections; a second call waits for the first. */
  close(force?: boolean): Promise<void>;
}

/**
 * The worker and what was made for it (its connections: `bulls`, or a `release` of its own), closed once in that
 * order (`force`: running jobs are not waited for; their locks lapse and another worker takes them).
 */
export function closableWorker<T, R = unknown>(
  worker: Worker<T, R>,
  after: BullConnections | (() => Promise<void>),
): ClosableWorker<T, R> {
  const release = typeof after === 'function' ? after : () => after.releaseAll();
  let closing: Promise<void> | undefined;
  return {
    worker,
    close(force = false) {
      closing ??= (async () => {
        await worker.close(force);
        await release();
      })();
      return closing;
    },
  };
}
