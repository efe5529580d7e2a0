import type { Octokit } from '@octokit/rest';
import type { PlanLogger } from '../plan/plan-logger.ts';
import {
  describeProgress,
  describeRemaining,
  type PlanProgress,
  type PlanProgressEvent,
  remainingMs,
} from '../plan/plan-progress.ts';
import { createThrottledPublisher, systemClock, type ThrottleClock } from '../plan/throttled-publisher.ts';
import { requestStatus } from './request-status.ts';

/** The in-progress output of the `Mergeplane / plan` run: the phase and counts, with the time left when known. */
export function checkRunProgressOutput(
  event: PlanProgressEvent,
  leftMs: number | undefined,
): { title: string; summary: string } {
  const title = describeProgress(event);
  const left = leftMs === undefined ? '' : ` (${describeRemaining(leftMs)})`;
  return {
    title,
    summary: `Mergeplane is planning this commit: ${title.charAt(0).toLowerCase()}${title.slice(1)}${left}. The plan replaces this when it is done.`,
  };
}

export interface CheckRunProgress {
  progress: PlanProgress;
  /** No update is sent after this resolves, so the completed run is never overwritten by progress. */
  close(): Promise<void>;
}

/**
 * Shows a plan's progress in its in-progress check run, one `checks.update` at most every `intervalMs` and none in
 * the first interval (a quick plan costs no request; GitHub limits how fast an installation may write). A failed
 * update is logged, never the plan's failure; after a 403 or 429 no more are sent. The `done` phase is not shown:
 * the completed run replaces it.
 */
export function createCheckRunProgress(o: {
  octokit: Octokit;
  owner: string;
  repo: string;
  checkRunId: number;
  intervalMs: number;
  logger: PlanLogger;
  clock?: ThrottleClock;
  /** Takes one optional write of the installation's budget; an update that does not fit is skipped. */
  budget?: () => boolean;
}): CheckRunProgress {
  const now = () => (o.clock ?? systemClock).now();
  let renderingSince: number | undefined;
  const publisher = createThrottledPublisher<PlanProgressEvent>({
    intervalMs: o.intervalMs,
    ...(o.clock === undefined ? {} : { clock: o.clock }),
    publish: async (event) => {
      if (o.budget !== undefined && !o.budget()) return;
      const left =
        event.phase === 'rendering' && renderingSince !== undefined && event.total !== undefined
          ? remainingMs(event.done ?? 0, event.total, now() - renderingSince)
          : undefined;
      await o.octokit.rest.checks.update({
        owner: o.owner,
        repo: o.repo,
        check_run_id: o.checkRunId,
        status: 'in_progress',
        output: checkRunProgressOutput(event, left),
      });
    },
    onError: (error) => {
      const status = requestStatus(error);
      // Refused or rate limited: the result still has to be published, so progress gives way for this plan.
      const stopping = status === 403 || status === 429;
      o.logger.warn(
        {
          checkRunId: o.checkRunId,
          status,
          stopping,
          error: error instanceof Error ? error.message : String(error),
        },
        'progress not shown on the check run',
      );
      if (stopping) void publisher.close();
    },
  });
  return {
    progress: (event) => {
      if (event.phase === 'done') return;
      if (event.phase === 'rendering') renderingSince ??= now();
      publisher.push(event);
    },
    close: () => publisher.close(),
  };
}
