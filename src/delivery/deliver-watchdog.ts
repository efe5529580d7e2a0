import type { PlanLogger } from '../plan/plan-logger.ts';
import type { DeliverStateStore, DueStatus } from '../queue/deliver-state-store.ts';

export interface DeliverWatchdogOptions {
  store: DeliverStateStore;
  /** BullMQ state of a job: 'unknown' when it no longer exists. */
  jobState(jobId: string): Promise<string>;
  /** Posts the final `error` status (the watchdog has already taken the pending record). */
  postError(status: DueStatus, description: string): Promise<void>;
  log: PlanLogger;
  now?: () => number;
}

export interface DeliverWatchdog {
  /** One pass over the pending statuses; returns how many it marked `error`. */
  sweep(): Promise<number>;
}

// A job in these states will never publish the final status it owes.
const GONE_STATES = new Set(['unknown', 'failed', 'completed']);

/**
 * The safety net that keeps no commit status `pending` forever: a status past its deadline, or whose job is
 * gone (removed, failed without publishing, stalled out), becomes `error`. Whoever removes the pending record
 * first — the job finishing or the watchdog — publishes the final state, so they never both do.
 */
export function createDeliverWatchdog(options: DeliverWatchdogOptions): DeliverWatchdog {
  const now = options.now ?? Date.now;
  return {
    async sweep() {
      let marked = 0;
      for (const status of await options.store.pendingStatuses()) {
        let reason: string | undefined;
        if (status.deadline <= now()) reason = 'Timed out: no result within the delivery timeout';
        else {
          const state = await options.jobState(status.jobId);
          if (GONE_STATES.has(state)) reason = `Job ${state === 'unknown' ? 'lost' : state} without a result`;
        }
        if (reason === undefined || !(await options.store.resolvePending(status))) continue;
        try {
          await options.postError(status, reason);
          marked += 1;
          options.log.warn(
            {
              repo: `${status.owner}/${status.repo}`,
              sha: status.sha,
              context: status.context,
              jobId: status.jobId,
              reason,
            },
            'deliver watchdog marked a pending status as error',
          );
        } catch (error) {
          // Put it back: the next sweep tries again.
          await options.store.markPending(status, status.deadline);
          options.log.warn(
            { repo: `${status.owner}/${status.repo}`, context: status.context, error: errorText(error) },
            'deliver watchdog could not post a status',
          );
        }
      }
      return marked;
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
