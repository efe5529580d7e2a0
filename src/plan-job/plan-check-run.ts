import type { Octokit } from '@octokit/rest';
import { CHECK_RUN_NAME } from '../github/check-run-output.ts';
import { type CheckRunProgress, createCheckRunProgress } from '../github/check-run-progress.ts';
import { findOpenPlanCheckRun } from '../github/find-plan-check-run.ts';
import { isPermanentGitHubError } from '../github/pull-request-head.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { PermanentPlanError } from '../queue/permanent-plan-error.ts';
import { codeFence } from '../report/escape-markdown.ts';

// A failure reason goes into the check run as-is; cut so a huge stderr cannot crowd the summary.
const MAX_REASON = 2_000;

export function failureReason(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 1)}…`;
}

export interface PlanCheckRunRef {
  octokit: Octokit;
  owner: string;
  repo: string;
}

/** How a plan's running check run shows how far it got (the pull request and merge group jobs alike). */
export interface PlanProgressDeps {
  /**
   * How often, at most, the in-progress check run shows how far the plan got (MERGEPLANE_PROGRESS_INTERVAL_MS);
   * 0 or absent: never, the run says only that it is in progress.
   */
  progressIntervalMs?: number;
  /** The installation's budget of progress updates in this process (see createWriteBudget); none: unlimited. */
  progressBudget?: () => boolean;
}

/** The progress shown in the plan's check run, or undefined when progress is off. */
export function planCheckRunProgress(
  o: PlanCheckRunRef & PlanProgressDeps & { checkRunId: number; logger: PlanLogger },
): CheckRunProgress | undefined {
  if (o.progressIntervalMs === undefined || o.progressIntervalMs <= 0) return undefined;
  const { octokit, owner, repo, checkRunId, logger } = o;
  return createCheckRunProgress({
    ...{ octokit, owner, repo, checkRunId, logger },
    intervalMs: o.progressIntervalMs,
    ...(o.progressBudget === undefined ? {} : { budget: o.progressBudget }),
  });
}

/**
 * The `Mergeplane / plan` run of a head: an unfinished one of this App (left by an earlier attempt) is taken over,
 * else one is created in progress.
 */
export async function openPlanCheckRun(
  o: PlanCheckRunRef & { headSha: string; appId?: number },
): Promise<{ id: number; url: string | undefined; takenOver: boolean }> {
  const { octokit, owner, repo, headSha } = o;
  const existing = await findOpenPlanCheckRun({
    octokit,
    owner,
    repo,
    headSha,
    ...(o.appId === undefined ? {} : { appId: o.appId }),
  });
  if (existing !== undefined) return { id: existing.id, url: existing.htmlUrl, takenOver: true };
  const created = await octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
  });
  return { id: created.data.id, url: created.data.html_url ?? undefined, takenOver: false };
}

/**
 * A plan that threw: a GitHub error retries cannot mend becomes permanent; on the last attempt the run is completed
 * as `failure` with the reason, else it stays in progress with it (the retry takes it over). A failure to update the
 * run is only logged: the job's own error is what matters for retries. Returns the error to rethrow.
 */
export async function failPlanCheckRun(
  o: PlanCheckRunRef & {
    checkRunId: number;
    caught: unknown;
    /** Default true (see `RunPlanJobDeps.finalAttempt`). */
    finalAttempt: boolean | undefined;
    /** The summary's first line on the last attempt and on one a retry follows. */
    summaries: { final: string; retry: string };
    logger: PlanLogger;
    meta: Record<string, unknown>;
  },
): Promise<{ error: unknown; reason: string; last: boolean }> {
  const { octokit, owner, repo, checkRunId, caught } = o;
  const error =
    !(caught instanceof PermanentPlanError) && isPermanentGitHubError(caught)
      ? new PermanentPlanError(failureReason(caught), { cause: caught })
      : caught;
  const reason = failureReason(error);
  const last = error instanceof PermanentPlanError || o.finalAttempt !== false;
  try {
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: checkRunId,
      ...(last ? { status: 'completed', conclusion: 'failure', completed_at: new Date().toISOString() } : {}),
      output: {
        title: last ? 'Plan failed' : 'Plan attempt failed; retrying',
        summary: `${last ? o.summaries.final : o.summaries.retry}\n\n${codeFence(reason)}`,
      },
    });
  } catch (updateError) {
    o.logger.warn(
      { ...o.meta, checkRunId, reason: failureReason(updateError) },
      'plan check run not completed',
    );
  }
  return { error, reason, last };
}
