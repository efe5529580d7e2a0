import type { Octokit } from '@octokit/rest';
import type { createRepoCache } from '../git/repo-cache.ts';
import { planChange } from '../plan/plan-change.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import { codeFence } from '../report/escape-markdown.ts';
import { renderMarkdown } from '../report/render-markdown.ts';
import { CHECK_RUN_NAME, checkRunFromReport } from './check-run-output.ts';
import { upsertPlanComment } from './upsert-plan-comment.ts';

export interface RunPlanJobDeps {
  /** Installation-authenticated (`@octokit/rest` or Probot's octokit). */
  octokit: Octokit;
  /** Installation token, for git only. */
  token: string;
  repoCache: ReturnType<typeof createRepoCache>;
  /** Render cache directory; `false` keeps it in memory for this plan. */
  cacheDir?: string | false;
  logger: PlanLogger;
  /** Asked after planning, before anything is published: false when a newer head was enqueued or the PR closed. */
  isCurrent: () => Promise<boolean>;
  /** The App's login (`mergeplane[bot]`): only its comments count as plan parts. */
  appUserLogin?: string;
}

export interface RunPlanJobResult {
  outcome: 'published' | 'superseded';
  conclusion?: string;
  commentUrls?: string[];
}

// A failure reason goes into the check run as-is; cut so a huge stderr cannot crowd the summary.
const MAX_REASON = 2_000;

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 1)}…`;
}

/**
 * The plan job: check run in progress → fetch base and head → plan → (still current?) → sticky comment →
 * completed check run. A plan that a newer commit superseded publishes nothing but a neutral check run;
 * any failure after the check run exists completes it as `failure` (never left in progress) and rethrows.
 */
export async function runPlanJob(data: PlanJobData, deps: RunPlanJobDeps): Promise<RunPlanJobResult> {
  const { octokit, logger } = deps;
  const { owner, repo, pullNumber, headSha, baseRef } = data;
  const meta = { owner, repo, pullNumber, headSha, deliveryId: data.deliveryId };
  const started = performance.now();

  const created = await octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
  });
  const checkRunId = created.data.id;

  try {
    const repository = await deps.repoCache.sync({
      owner,
      repo,
      token: deps.token,
      refs: [`refs/pull/${pullNumber}/head`, baseRef],
    });
    const baseSha = await repository.resolve(`origin/${baseRef}`);
    await repository.resolve(headSha);
    logger.debug({ ...meta, baseSha, ms: Math.round(performance.now() - started) }, 'plan checkout synced');

    // The SHA pins the base against concurrent syncs of this clone; the PR's base branch is what its
    // Applications must track (a SHA alone says nothing about it).
    const report = await planChange({
      repoDir: repository.dir,
      base: baseSha,
      baseBranch: baseRef,
      head: headSha,
      logger,
      ...(deps.cacheDir === undefined ? {} : { cacheDir: deps.cacheDir }),
    });

    if (!(await deps.isCurrent())) {
      await octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: checkRunId,
        status: 'completed',
        conclusion: 'neutral',
        completed_at: new Date().toISOString(),
        output: {
          title: 'Superseded by a newer commit',
          summary:
            'A newer commit was pushed (or the pull request was closed) while this plan ran; its plan replaces this one.',
        },
      });
      logger.info({ ...meta, ms: Math.round(performance.now() - started) }, 'plan superseded');
      return { outcome: 'superseded', conclusion: 'neutral' };
    }

    const comment = await upsertPlanComment({
      octokit,
      owner,
      repo,
      issueNumber: pullNumber,
      markdown: renderMarkdown(report),
      ...(deps.appUserLogin === undefined ? {} : { appUserLogin: deps.appUserLogin }),
    });

    const commentUrl = comment.urls[0];
    const { payload, extraAnnotations } = checkRunFromReport(report, {
      headSha,
      ...(commentUrl === undefined ? {} : { commentUrl }),
    });
    // Update takes neither name nor head_sha: the run already has them.
    const { name: _name, head_sha: _headSha, ...update } = payload;
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: checkRunId,
      ...update,
      completed_at: new Date().toISOString(),
    });
    for (const annotations of extraAnnotations) {
      // GitHub appends the annotations of each update to the run's.
      await octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: checkRunId,
        output: { title: payload.output.title, summary: payload.output.summary, annotations },
      });
    }
    logger.info(
      { ...meta, conclusion: payload.conclusion, ms: Math.round(performance.now() - started) },
      'plan published',
    );
    return { outcome: 'published', conclusion: payload.conclusion, commentUrls: comment.urls };
  } catch (error) {
    const reason = reasonOf(error);
    try {
      await octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: checkRunId,
        status: 'completed',
        conclusion: 'failure',
        completed_at: new Date().toISOString(),
        output: { title: 'Plan failed', summary: `The plan could not be completed:\n\n${codeFence(reason)}` },
      });
    } catch (updateError) {
      // The job's own error is what matters for retries; this one is only logged.
      logger.warn({ ...meta, checkRunId, reason: reasonOf(updateError) }, 'plan check run not completed');
    }
    logger.warn({ ...meta, reason }, 'plan failed');
    throw error;
  }
}
