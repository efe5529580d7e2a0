import type { Worker } from 'bullmq';
import type { BullConnections } from './redis-connection.ts';

/** A BullMQ worker with its own connections, as the process closes it. */
export interface ClosableWorker<T> {
  readonly worker: Worker<T>;
  /** Closes the worker, then its connections; a second call waits for the first. */
  close(force?: boolean): Promise<void>;
}

/**
 * The worker and the connections made for it, closed once in that order (`force`: running jobs are not waited for;
 * their locks lapse and another worker takes them).
 */
export function closableWorker<T>(worker: Worker<T>, bulls: BullConnections): ClosableWorker<T> {
  let closing: Promise<void> | undefined;
  return {
    worker,
    close(force = false) {
      closing ??= (async () => {
        await worker.close(force);
        await bulls.releaseAll();
      })();
      return closing;
    },
  };
}
