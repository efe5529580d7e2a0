import type { Octokit } from '@octokit/rest';
import { CONFIG_PATH } from '../config/load-config.ts';
import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { applyApprovals } from '../gates/apply-approvals.ts';
import { approvalItems } from '../gates/carry-over-approvals.ts';
import type { RepoCache } from '../git/repo-cache.ts';
import { CHECK_RUN_NAME, checkRunFromReport } from '../github/check-run-output.ts';
import { completeCheckRun } from '../github/complete-check-run.ts';
import { isHeadOf, type PullRequestHead } from '../github/pull-request-head.ts';
import type { IsTeamMember } from '../github/team-membership.ts';
import { upsertPlanComment } from '../github/upsert-plan-comment.ts';
import type { LiveReader } from '../kube/argocd-live-reader.ts';
import type { DestinationLiveReader } from '../kube/destination-live-reader.ts';
import type { PlanCaches } from '../model/plan-caches.ts';
import type { PlanReport } from '../model/plan-report.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { repoMatcher } from '../plan/repo-identity.ts';
import type { ApprovalReader } from '../queue/approval-store.ts';
import { PermanentPlanError } from '../queue/permanent-plan-error.ts';
import type { PlanItemStore } from '../queue/plan-item-store.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import { codeSpan } from '../report/escape-markdown.ts';
import { commentBudget, DEFAULT_MAX_PARTS } from '../report/fit-comment.ts';
import type { ApprovalsView } from '../report/render-approvals-markdown.ts';
import { renderMarkdown } from '../report/render-markdown.ts';
import { isNoChangesReport, renderNoChangesMarkdown } from '../report/render-no-changes-markdown.ts';
import { judgeApprovals } from './accepted-approvals.ts';
import { attachLiveViews } from './attach-live-views.ts';
import {
  failPlanCheckRun,
  openPlanCheckRun,
  type PlanProgressDeps,
  planCheckRunProgress,
} from './plan-check-run.ts';
import { type PlannedPullRequest, type PlanPullRequestDeps, planPullRequest } from './plan-pull-request.ts';
import { runDiffJob } from './run-diff-job.ts';
import { runMergeGroupJob } from './run-merge-group-job.ts';
import { completeSuperseded, retireOpenRun, SUPERSEDED_CONCLUSION } from './superseded-run.ts';

export { SUPERSEDED_CONCLUSION };

/** `configPath`, `configToken`: as for planPullRequest (the Action's inputs). */
export interface RunPlanJobDeps
  extends Pick<PlanPullRequestDeps, 'configPath' | 'configToken'>,
    PlanProgressDeps {
  /** Installation-authenticated (`@octokit/rest` or Probot's octokit). */
  octokit: Octokit;
  /** Installation token, for git only. */
  token: string;
  repoCache: RepoCache;
  /** Render cache directory; `false` keeps it in memory for this plan. */
  cacheDir?: string | false;
  caches?: PlanCaches;
  farmFor?: PlanPullRequestDeps['farmFor'];
  logger: PlanLogger;
  /**
   * The pull request as GitHub reports it now (`readPullRequestHead`): asked before the check run is
   * created and again before anything is published. Only GitHub decides which commit is the head.
   */
  currentHead: (data: PlanJobData) => Promise<PullRequestHead>;
  /** Records a head GitHub confirmed current (the queue's state store). */
  confirmHead?: (headSha: string) => Promise<void>;
  /** Queues a plan of the current head, when this job found its own head stale (deduplicated by the queue). */
  planCurrentHead?: (current: PullRequestHead) => Promise<void>;
  /**
   * Default true. When false a failure leaves the check run in progress with the reason (the retry takes it
   * over), so a head never collects one failed run per attempt.
   */
  finalAttempt?: boolean;
  /**
   * Serialises the last currency check and the writes of every job of the pull request (the worker's
   * per-pull-request lock), so a job that passed the check cannot write after a newer head's job.
   * Default: run directly.
   */
  publishExclusively?: <T>(publish: () => Promise<T>) => Promise<T>;
  /** The App's login (`mergeplane[bot]`): only its comments count as plan parts. */
  appUserLogin?: string;
  /**
   * The `/mergeplane approve` records (`planQueue.approvals`, or the worker context's). Without it no
   * approval is ever found, so destructive changes stay `action_required`.
   */
  approvals?: ApprovalReader;
  /** Team membership for `approval.teams`; default GitHub's team membership endpoint through `octokit`. */
  isTeamMember?: IsTeamMember;
  /** The App's id: an unfinished plan check run of this head by this App is taken over, not duplicated. */
  appId?: number;
  /** What each planned head asked approval for (read by merge group jobs); none: nothing carries over. */
  planItems?: PlanItemStore;
  /** Argo CD's live view, for repositories with `plan.live` (the server has an Argo CD URL and token). */
  liveReader?: LiveReader;
  /** Reads an added app's destination cluster (`plan.live`), given Argo CD's namespace from the base config. */
  destinationsFor?: (argocdNamespace: string) => DestinationLiveReader;
}

export interface RunPlanJobResult {
  /** `stale`: the head was not the pull request's current head when the job started; nothing was published. */
  outcome: 'published' | 'superseded' | 'replied' | 'stale';
  conclusion?: string;
  /** The published plan (with approvals applied), for callers that keep it (the Action's JSON report). */
  report?: PlanReport;
  commentUrls?: string[];
}

export const configChangeNote = (path: string) =>
  `This pull request changes ${codeSpan(path)}. The plan and its gates use the file as it is on the base branch; the change takes effect after merge.`;

export const CONFIG_CHANGE_NOTE = configChangeNote(CONFIG_PATH);

/**
 * A fork's pull request may name any cluster Argo CD knows as the destination of an app it adds, and any object
 * there: reading them would show a stranger what the cluster holds. Only branches of the repository itself (whose
 * authors can push to it) get their added apps' destinations read.
 */
async function forkRefusal(data: PlanJobData, deps: RunPlanJobDeps): Promise<string | undefined> {
  const { owner, repo, pullNumber } = data;
  const pull = (await deps.octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber })).data;
  const headRepo = pull.head.repo?.full_name;
  if (headRepo !== undefined && headRepo.toLowerCase() === `${owner}/${repo}`.toLowerCase()) return undefined;
  return 'a pull request from a fork: the destination clusters of the applications it adds are not read';
}

/** The pull request's plan, with each affected app compared with live when the repository asks (`plan.live`). */
async function planWithLiveViews(
  data: PlanJobData,
  deps: RunPlanJobDeps & Pick<PlanPullRequestDeps, 'progress'>,
): Promise<PlannedPullRequest> {
  const planned = await planPullRequest(data, deps);
  const { config } = planned;
  if (deps.liveReader === undefined || config?.plan.live !== true) return planned;
  const report = await attachLiveViews({
    report: planned.report,
    headObjects: planned.headObjects,
    reader: deps.liveReader,
    ...(deps.destinationsFor === undefined
      ? {}
      : { destinations: deps.destinationsFor(config.delivery.argocdNamespace) }),
    destinationsRefused: () => forkRefusal(data, deps),
    contextLines: config.diff.contextLines,
    isThisRepo: repoMatcher(config, await planned.repository.originUrl()),
    logger: deps.logger,
  });
  return { ...planned, report };
}

/** The rules that guard the merge come from the BASE branch, never from the pull request's head. */
interface ApprovalContext {
  data: PlanJobData;
  deps: RunPlanJobDeps;
  report: PlanReport;
  config: MergeplaneConfig | undefined;
}

/** Loads the approvals and applies the eligible ones: nothing to do (and no request) unless a gate waits. */
async function withApprovals(
  context: ApprovalContext,
): Promise<{ report: PlanReport; view: ApprovalsView | undefined }> {
  const { data, deps, report, config } = context;
  const { owner, repo, pullNumber, headSha } = data;
  if (deps.approvals === undefined || !report.gates.some((g) => g.status === 'needs-approval')) {
    return { report, view: undefined };
  }
  const approvals = await deps.approvals.list({ owner, repo, pullNumber });
  if (approvals.length === 0) return { report, view: undefined };

  const author =
    data.author ??
    (await deps.octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber })).data.user.login;
  const decision = await judgeApprovals({
    octokit: deps.octokit,
    owner,
    repo,
    pullNumber,
    headSha,
    author,
    approvals,
    rules: config?.approval,
    ...(deps.isTeamMember === undefined ? {} : { isTeamMember: deps.isTeamMember }),
    logger: deps.logger,
  });
  const applied = applyApprovals(report.gates, decision.accepted);
  deps.logger.info(
    {
      owner,
      repo,
      pullNumber,
      headSha,
      accepted: decision.accepted.map((a) => a.user),
      rejected: decision.rejected.map((r) => `${r.approval.user}:${r.reason}`),
    },
    'approvals applied',
  );
  return { report: { ...report, gates: applied.gates }, view: { decision, approved: applied.approved } };
}

/**
 * The plan job: is this head the pull request's head on GitHub? → check run in progress (an unfinished one
 * of this head is taken over) → fetch base and head → plan → approvals under the base branch's rules →
 * (still the head on GitHub?) → sticky comment → completed check run. A job of a head that is not (or no
 * longer) current publishes nothing, ends its run `cancelled` and queues the current head. A failure after
 * the check run exists completes it as `failure` on the last attempt (never left in progress) and rethrows;
 * permanent failures are thrown as `PermanentPlanError`. Diff jobs (`data.diff`) post the app's full diff
 * instead, without a check run.
 */
export async function runPlanJob(data: PlanJobData, deps: RunPlanJobDeps): Promise<RunPlanJobResult> {
  if (data.diff !== undefined) return runDiffJob(data, data.diff, deps);
  if (data.mergeGroup !== undefined) return runMergeGroupJob({ ...data, mergeGroup: data.mergeGroup }, deps);
  const { octokit, logger } = deps;
  const { owner, repo, pullNumber, headSha } = data;
  const meta = { owner, repo, pullNumber, headSha, deliveryId: data.deliveryId, trigger: data.trigger };
  const started = performance.now();

  const current = await deps.currentHead(data);
  if (!isHeadOf(current, headSha)) {
    // An event for an older head (late, redelivered, or overtaken): it never touches the current head's
    // run or comment. Its own run, if an earlier attempt left one open, is closed as not mergeable.
    await retireOpenRun(data, deps, current);
    await ensureCurrentPlanned(deps, current);
    logger.info(
      { ...meta, currentHeadSha: current.headSha, open: current.open },
      'plan job for a stale head',
    );
    return { outcome: 'stale' };
  }
  await deps.confirmHead?.(headSha);

  const run = await openPlanCheckRun({
    octokit,
    owner,
    repo,
    headSha,
    ...(deps.appId === undefined ? {} : { appId: deps.appId }),
  });
  const { id: checkRunId, url: checkRunUrl } = run;
  if (run.takenOver) logger.info({ ...meta, checkRunId }, 'plan check run taken over');

  const shown = planCheckRunProgress({ ...deps, owner, repo, checkRunId });
  try {
    // The config the plan's gates used (base branch) also decides approvals and the comment options.
    const {
      report: planned,
      config,
      changedFiles,
    } = await planWithLiveViews(data, shown === undefined ? deps : { ...deps, progress: shown.progress });
    await shown?.close();
    // Before approvals: what this head asks approval for, for the merge groups it will be queued in.
    await deps.planItems?.record({ owner, repo, pullNumber }, headSha, approvalItems(planned));
    const configPath = deps.configPath ?? CONFIG_PATH;
    const notes = changedFiles.includes(configPath) ? [configChangeNote(configPath)] : [];
    const { report, view } = await withApprovals({ data, deps, report: planned, config });
    const exclusively = deps.publishExclusively ?? (<T>(publish: () => Promise<T>) => publish());
    return await exclusively(() =>
      publishIfCurrent({ data, deps, report, view, config, notes, checkRunId, checkRunUrl, meta, started }),
    );
  } catch (caught) {
    await shown?.close();
    const { error, reason, last } = await failPlanCheckRun({
      octokit,
      owner,
      repo,
      checkRunId,
      caught,
      finalAttempt: deps.finalAttempt,
      summaries: {
        final: 'The plan could not be completed:',
        retry: 'This attempt failed and will be retried:',
      },
      logger,
      meta,
    });
    logger.warn(
      { ...meta, reason, permanent: error instanceof PermanentPlanError, final: last },
      'plan failed',
    );
    throw error;
  }
}

interface PublishInput {
  data: PlanJobData;
  deps: RunPlanJobDeps;
  report: PlanReport;
  view: ApprovalsView | undefined;
  config: MergeplaneConfig | undefined;
  notes: string[];
  checkRunId: number;
  checkRunUrl: string | undefined;
  meta: Record<string, unknown>;
  started: number;
}

/** The last look at GitHub's head, then the sticky comment and the completed check run. */
async function publishIfCurrent(input: PublishInput): Promise<RunPlanJobResult> {
  const { data, deps, report, view, config, notes, checkRunId, checkRunUrl, meta, started } = input;
  const { octokit, logger } = deps;
  const { owner, repo, pullNumber, headSha } = data;
  const now = await deps.currentHead(data);
  if (!isHeadOf(now, headSha)) {
    await completeSuperseded(data, deps, checkRunId, now);
    await ensureCurrentPlanned(deps, now);
    logger.info({ ...meta, ms: Math.round(performance.now() - started) }, 'plan superseded');
    return { outcome: 'superseded', conclusion: SUPERSEDED_CONCLUSION };
  }

  const checkRun = checkRunUrl === undefined ? undefined : { name: CHECK_RUN_NAME, url: checkRunUrl };
  const quiet = isNoChangesReport(report);
  const onNoChanges = config?.comment.onNoChanges ?? 'comment';
  const maxParts = config?.comment.maxParts ?? DEFAULT_MAX_PARTS;
  const comment = await upsertPlanComment({
    octokit,
    owner,
    repo,
    issueNumber: pullNumber,
    markdown: quiet
      ? renderNoChangesMarkdown(report, notes, checkRun)
      : renderMarkdown(report, {
          notes,
          maxLength: commentBudget(maxParts),
          ...(view === undefined ? {} : { approvals: view }),
          ...(checkRun === undefined ? {} : { checkRun }),
        }),
    // `none` still replaces a plan comment of an earlier head (it would be stale), but starts none —
    // unless there is a note to give.
    ...(quiet && onNoChanges === 'none' && notes.length === 0 ? { createIfMissing: false } : {}),
    ...(deps.appUserLogin === undefined ? {} : { appUserLogin: deps.appUserLogin }),
    maxParts,
  });

  const commentUrl = comment.urls[0];
  const output = checkRunFromReport(report, {
    headSha,
    jsonReport: true,
    ...(commentUrl === undefined ? {} : { commentUrl }),
    ...(view === undefined ? {} : { approvals: view }),
  });
  const { payload } = output;
  await completeCheckRun(octokit, { owner, repo, checkRunId }, output);
  logger.info(
    { ...meta, conclusion: payload.conclusion, ms: Math.round(performance.now() - started) },
    'plan published',
  );
  return { outcome: 'published', conclusion: payload.conclusion, commentUrls: comment.urls, report };
}

/** The current head gets its plan even when its own event was lost or overtaken by an older one. */
async function ensureCurrentPlanned(deps: RunPlanJobDeps, current: PullRequestHead): Promise<void> {
  if (!current.open || deps.planCurrentHead === undefined) return;
  await deps.planCurrentHead(current);
}
