import type { Octokit } from '@octokit/rest';
import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { carryOverApprovals, type QueuedPullRequest } from '../gates/carry-over-approvals.ts';
import { entryCarriesChange } from '../git/entry-carries-change.ts';
import { openCommitTrees } from '../git/git-objects.ts';
import type { GitRepository } from '../git/git-repository.ts';
import { isPermanentGitError } from '../git/repo-cache.ts';
import { checkRunFromReport } from '../github/check-run-output.ts';
import { completeCheckRun } from '../github/complete-check-run.ts';
import { mergeGroupEntries, type QueueEntry } from '../github/merge-queue-entries.ts';
import type { IsTeamMember } from '../github/team-membership.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import type { PlanReport } from '../model/plan-report.ts';
import type { ApprovalReader } from '../queue/approval-store.ts';
import { PermanentPlanError } from '../queue/permanent-plan-error.ts';
import type { PlanItemStore } from '../queue/plan-item-store.ts';
import type { MergeGroupRequest, PlanJobData } from '../queue/plan-job.ts';
import { judgeApprovals } from './accepted-approvals.ts';
import {
  failPlanCheckRun,
  failureReason,
  openPlanCheckRun,
  type PlanProgressDeps,
  planCheckRunProgress,
} from './plan-check-run.ts';
import { type PlanPullRequestDeps, planCommits } from './plan-pull-request.ts';

const APPROVE_IN_GROUP =
  'each item needs a `/mergeplane approve` on the pull request that brings it, for the head it is queued with; then queue it again';

export type MergeGroupJobData = PlanJobData & { mergeGroup: MergeGroupRequest };

/** What a merge group job uses of the plan job's dependencies (`MergeGroupJobDeps`). */
export interface MergeGroupJobDeps extends PlanPullRequestDeps, PlanProgressDeps {
  octokit: Octokit;
  approvals?: ApprovalReader;
  planItems?: Pick<PlanItemStore, 'get'>;
  isTeamMember?: IsTeamMember;
  appId?: number;
  /** Default true: a failure completes the check run (else it stays in progress for the retry). */
  finalAttempt?: boolean;
}

/** Fetches both commits by SHA (GitHub serves any commit of the repository), pinned against concurrent syncs. */
async function syncGroup(data: MergeGroupJobData, deps: MergeGroupJobDeps): Promise<GitRepository> {
  const { owner, repo, headSha } = data;
  try {
    const repository = await deps.repoCache.sync({
      owner,
      repo,
      token: deps.token,
      refs: [headSha, data.mergeGroup.baseSha],
    });
    await repository.resolve(headSha);
    await repository.resolve(data.mergeGroup.baseSha);
    return repository;
  } catch (error) {
    if (isPermanentGitError(error)) throw new PermanentPlanError(failureReason(error), { cause: error });
    throw error;
  }
}

/** One entry's pull request: its queued head, whether the entry makes its change, its approvals and plan items. */
async function queuedPullRequest(
  entry: QueueEntry,
  o: {
    data: MergeGroupJobData;
    deps: MergeGroupJobDeps;
    repository: GitRepository;
    config: MergeplaneConfig;
  },
  trees: ReturnType<typeof openCommitTrees>,
): Promise<QueuedPullRequest> {
  const { owner, repo } = o.data;
  const ref = { owner, repo, pullNumber: entry.pullNumber };
  const { data: pull } = await o.deps.octokit.rest.pulls.get({ owner, repo, pull_number: entry.pullNumber });
  const headSha = pull.head.sha;
  let unverified: string | undefined;
  try {
    await o.deps.repoCache.sync({ owner, repo, token: o.deps.token, refs: [headSha] });
    unverified = await entryCarriesChange(o.repository, trees, entry, headSha);
  } catch (error) {
    unverified = `its head ${headSha.slice(0, 7)} could not be read: ${failureReason(error)}`;
  }
  const approvals = (await o.deps.approvals?.list(ref)) ?? [];
  const decision =
    approvals.length === 0
      ? { accepted: [] }
      : await judgeApprovals({
          octokit: o.deps.octokit,
          ...ref,
          headSha,
          author: pull.user.login,
          approvals,
          rules: o.config.approval,
          ...(o.deps.isTeamMember === undefined ? {} : { isTeamMember: o.deps.isTeamMember }),
          logger: o.deps.logger,
        });
  const items = await o.deps.planItems?.get(ref, headSha);
  return {
    number: entry.pullNumber,
    headSha,
    accepted: decision.accepted,
    items,
    ...(unverified === undefined ? {} : { unverified }),
  };
}

/** The group's gates, with what each queued pull request's approval covers passed. */
async function withCarriedApprovals(
  report: PlanReport,
  o: {
    data: MergeGroupJobData;
    deps: MergeGroupJobDeps;
    repository: GitRepository;
    config: MergeplaneConfig;
  },
): Promise<PlanReport> {
  if (!report.gates.some((gate) => gate.status === 'needs-approval')) return report;
  const { owner, repo, headSha } = o.data;
  const group = await mergeGroupEntries(o.deps.octokit, {
    owner,
    repo,
    headRef: o.data.mergeGroup.headRef,
    headSha,
    baseSha: o.data.mergeGroup.baseSha,
  });
  const trees = openCommitTrees(o.repository.dir, o.deps.caches ?? new PlanCaches());
  try {
    const queued: QueuedPullRequest[] = [];
    for (const entry of group.entries) queued.push(await queuedPullRequest(entry, o, trees));
    const carried = carryOverApprovals(report, queued, group.incomplete);
    o.deps.logger.info(
      {
        owner,
        repo,
        headSha,
        pulls: queued.map((pr) => pr.number),
        approved: carried.approved.length,
        ...(group.incomplete === undefined ? {} : { incomplete: group.incomplete }),
      },
      'merge group approvals carried over',
    );
    return { ...report, gates: carried.gates };
  } finally {
    trees.close();
  }
}

/**
 * A merge queue's group: `Mergeplane / plan` on the group's head commit, planned against the base commit the group
 * was built on, with the same gates as a pull request. A `needs-approval` item passes only when the pull request
 * that brought it was approved for the head it was queued with and that head's plan asked for the same item.
 * No comment: a merge group has no conversation; the check run carries the plan.
 */
export async function runMergeGroupJob(
  data: MergeGroupJobData,
  deps: MergeGroupJobDeps,
): Promise<{ outcome: 'published'; conclusion: string }> {
  const { octokit, logger } = deps;
  const { owner, repo, headSha } = data;
  const meta = { owner, repo, headSha, deliveryId: data.deliveryId, mergeGroup: data.mergeGroup.headRef };
  const started = performance.now();
  const { id: checkRunId } = await openPlanCheckRun({
    octokit,
    owner,
    repo,
    headSha,
    ...(deps.appId === undefined ? {} : { appId: deps.appId }),
  });
  const shown = planCheckRunProgress({ ...deps, owner, repo, checkRunId });
  try {
    const repository = await syncGroup(data, deps);
    const commits = { baseSha: data.mergeGroup.baseSha, baseRef: data.baseRef, headSha };
    const planned = await planCommits(
      repository,
      commits,
      data,
      shown === undefined ? deps : { ...deps, progress: shown.progress },
    );
    await shown?.close();
    const report =
      planned.config === undefined
        ? planned.report
        : await withCarriedApprovals(planned.report, { data, deps, repository, config: planned.config });
    const output = checkRunFromReport(report, { headSha, jsonReport: true, approveHow: APPROVE_IN_GROUP });
    const { payload } = output;
    await completeCheckRun(octokit, { owner, repo, checkRunId }, output);
    logger.info(
      { ...meta, conclusion: payload.conclusion, ms: Math.round(performance.now() - started) },
      'merge group plan published',
    );
    return { outcome: 'published', conclusion: payload.conclusion };
  } catch (caught) {
    await shown?.close();
    const summary = "The merge group's plan could not be completed:";
    const { error, reason, last } = await failPlanCheckRun({
      octokit,
      owner,
      repo,
      checkRunId,
      caught,
      finalAttempt: deps.finalAttempt,
      summaries: { final: summary, retry: summary },
      logger,
      meta,
    });
    logger.warn({ ...meta, reason, final: last }, 'merge group plan failed');
    throw error;
  }
}
