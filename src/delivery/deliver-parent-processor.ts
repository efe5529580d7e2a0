import type { Octokit } from '@octokit/rest';
import { type Job, type JobsOptions, type Queue, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { PlanInputError } from '../engine/plan-change.ts';
import { isPermanentGitError } from '../git/repo-cache.ts';
import {
  DEPLOY_STATUS_CONTEXT,
  type DeliveryPlan,
  type DeliveryTarget,
  statusContext,
  targetLabel,
} from '../model/delivery-plan.ts';
import type { DriftRecorder } from '../model/drift.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import {
  type DeliverJobData,
  type DeliverJobResult,
  mergeRef,
  type TargetJobData,
  type TargetJobName,
  type TargetResult,
  targetJobId,
} from '../queue/deliver-job.ts';
import type { DeliverStateStore, PendingStatus } from '../queue/deliver-state-store.ts';
import { aggregateDelivery, deliveryProgress } from './deliver-aggregate.ts';
import { deliverErrorReason } from './deliver-error-reason.ts';
import { createDeliverFailureCommenter } from './deliver-failure-commenter.ts';
import { bindDeliverJobLog } from './deliver-job-log.ts';
import type { DeliverStatusPublisher } from './deliver-status-publisher.ts';
import { deliverTargetUrl } from './deliver-target-url.ts';
import type { DeliveryPlanner } from './plan-delivery.ts';

export interface DeliverParentProcessorOptions {
  octokitFor(installationId: number): Promise<Octokit>;
  /** Installation token, for git only. */
  tokenFor(installationId: number): Promise<string>;
  planner: DeliveryPlanner;
  /** Argo CD UI, for status target URLs. */
  argocdUrl?: string;
  store: DeliverStateStore;
  /** The children's queue (not the parent's: planning must not wait for target slots). */
  targetQueue: Queue<TargetJobData>;
  /** Children added before the queues were split live in the parents' queue: never add those again. */
  legacyChildQueue?: Queue;
  writeStatus: DeliverStatusPublisher;
  log: PlanLogger;
  statusGraceMs: number;
  /** Of the claim/sync children, on transient Kubernetes or GitHub errors (exponential backoff). */
  retry: { attempts: number; backoffDelayMs: number };
  /**
   * Keeps what the default branch defines for the drift check and (un)schedules it per the merge's config. Its
   * failure is logged, never the delivery's.
   */
  recordDrift?: DriftRecorder;
}

/** Records the plan's drift definitions, and returns the plan without them (stored jobs stay small). */
async function takeDrift(deps: ParentDeps, data: DeliverJobData, plan: DeliveryPlan, jobLog: PlanLogger) {
  const { drift, ...rest } = plan;
  if (drift === undefined || deps.recordDrift === undefined) return rest;
  try {
    await deps.recordDrift(
      { installationId: data.installationId, owner: data.owner, repo: data.repo },
      drift,
      plan.options.kubeContext,
    );
  } catch (error) {
    jobLog.warn({ error: (error as Error).message }, 'drift definitions not recorded');
  }
  return rest;
}

/**
 * Runs one step of a merge's `deliver` job: plans it and posts every status as pending, adds a stage's
 * claim/sync children and waits for them, then moves to the next stage, and finally posts the aggregate deploy
 * status (and a failure comment).
 */
export type DeliverParentProcessor = (
  job: Job<DeliverJobData | TargetJobData>,
  token: string,
) => Promise<DeliverJobResult>;

/** What one run of a parent job works with, built once per run. */
interface ParentRun {
  job: Job<DeliverJobData | TargetJobData>;
  data: DeliverJobData;
  ref: ReturnType<typeof mergeRef>;
  jobLog: PlanLogger;
  octokit: Octokit;
  pendingOf(context: string, jobId: string, url?: string): PendingStatus;
  deployPending: PendingStatus;
}

/** The parent processor's collaborators, resolved from its options once. */
interface ParentDeps extends DeliverParentProcessorOptions {
  childExists(jobId: string): Promise<boolean>;
  commentFailure: ReturnType<typeof createDeliverFailureCommenter>;
  targetUrl(target: DeliveryTarget, plan: DeliveryPlan): string | undefined;
  childOptions: JobsOptions;
}

export function createDeliverParentProcessor(options: DeliverParentProcessorOptions): DeliverParentProcessor {
  const { targetQueue, legacyChildQueue } = options;
  const deps: ParentDeps = {
    ...options,
    childExists: async (jobId) =>
      (await targetQueue.getJob(jobId)) !== undefined ||
      (legacyChildQueue !== undefined && (await legacyChildQueue.getJob(jobId)) !== undefined),
    commentFailure: createDeliverFailureCommenter({
      store: options.store,
      ...(options.argocdUrl !== undefined ? { argocdUrl: options.argocdUrl } : {}),
    }),
    targetUrl: (target, plan) => deliverTargetUrl(options.argocdUrl, target, plan),
    childOptions: {
      attempts: options.retry.attempts,
      backoff: { type: 'exponential', delay: options.retry.backoffDelayMs },
      // The parent always resumes: a failed child lands in its ignored failures instead of failing it.
      ignoreDependencyOnFailure: true,
      removeOnComplete: { age: 30 * 24 * 3600, count: 20_000 },
      removeOnFail: { age: 30 * 24 * 3600, count: 20_000 },
    },
  };

  return async function processDeliver(job, token) {
    const data = job.data as DeliverJobData;
    const ref = mergeRef({ owner: data.owner, repo: data.repo, sha: data.after });
    const jobLog = bindDeliverJobLog(options.log, {
      jobId: job.id,
      repo: `${data.owner}/${data.repo}`,
      mergeSha: data.after,
      attempt: data.attempt,
      deliveryId: data.deliveryId,
      ...(data.pullNumber !== undefined ? { pullNumber: data.pullNumber } : {}),
    });
    const pendingOf = (context: string, jobId: string, url?: string): PendingStatus => ({
      installationId: data.installationId,
      owner: data.owner,
      repo: data.repo,
      sha: ref.sha,
      context,
      jobId,
      ...(url !== undefined ? { targetUrl: url } : {}),
    });
    const run: ParentRun = {
      job,
      data,
      ref,
      jobLog,
      octokit: await options.octokitFor(data.installationId),
      pendingOf,
      deployPending: pendingOf(DEPLOY_STATUS_CONTEXT, job.id ?? ''),
    };
    if (data.stage === undefined) run.data = await planStep(deps, run);
    const plan = run.data.plan;
    if (!plan) throw new UnrecoverableError('deliver job has a stage but no plan');
    const results: Record<string, TargetResult> = { ...run.data.results };
    let stage = run.data.stage ?? 0;
    while (stage < plan.stages.length) {
      stage = await advanceStage(deps, run, plan, stage, results, token);
      run.data = { ...run.data, stage, results };
      await job.updateData(run.data);
      if (stage < plan.stages.length) await showProgress(deps, run, plan, stage, results);
    }
    return finish(deps, run, plan, results);
  };
}

/**
 * The first step: plans the merge (unless a retry already holds the plan) and posts every status as pending, so
 * the commit shows the whole delivery from the start; then records this merge as the latest of its targets.
 */
async function planStep(deps: ParentDeps, run: ParentRun): Promise<DeliverJobData> {
  const { data, job, jobLog, octokit, pendingOf, deployPending } = run;
  const { writeStatus } = deps;
  let plan = data.plan;
  try {
    const fresh = !plan;
    if (!plan) {
      const token = await deps.tokenFor(data.installationId);
      plan = await takeDrift(deps, data, await deps.planner({ ...data, token, log: jobLog }), jobLog);
      jobLog.info(
        { stages: plan.stages.map((s) => s.targets.length), notes: plan.notes },
        'delivery planned',
      );
    }
    const budget = plan.stages.length * (plan.options.timeoutMs + deps.statusGraceMs) + deps.statusGraceMs;
    const deadline = Date.now() + budget;
    for (let index = 0; index < plan.stages.length; index += 1) {
      const previous = plan.stages[index - 1];
      for (const target of targetsOfStage(plan, index, data.only)) {
        await writeStatus({
          octokit,
          pending: pendingOf(statusContext(target), job.id ?? '', deps.targetUrl(target, plan)),
          state: 'pending',
          description: previous ? `Queued after ${stageLabel(previous)}` : 'Queued',
          deadline,
        });
      }
    }
    await writeStatus({
      octokit,
      pending: deployPending,
      state: 'pending',
      description: 'Delivering',
      deadline,
    });
    // Only now may older merges of these targets stop and report "Superseded by" this one: its commit
    // already shows it is delivering them.
    if (fresh) {
      for (const target of plan.stages.flatMap((s) => s.targets)) {
        await deps.store.recordLatest({
          owner: data.owner,
          repo: data.repo,
          targetKey: target.key,
          seq: plan.order ?? data.seq,
          sha: run.ref.sha,
        });
      }
    }
  } catch (error) {
    const permanent = isPermanentRemoteError(error);
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    jobLog.warn({ error: deliverErrorReason(error), permanent, last }, 'delivery planning failed');
    if (permanent || last) {
      await writeStatus({
        octokit,
        pending: deployPending,
        state: 'error',
        description: `Planning failed: ${deliverErrorReason(error)}`,
      }).catch((statusError) =>
        jobLog.warn({ error: deliverErrorReason(statusError) }, 'deploy status not posted'),
      );
      if (permanent) throw new UnrecoverableError(deliverErrorReason(error));
    }
    throw error;
  }
  const next = { ...data, plan, stage: 0, results: {} };
  await job.updateData(next);
  return next;
}

/**
 * One stage: adds the claim/sync children not yet run (never re-adding one that exists), waits for them, records
 * their results (a child that died without publishing still gets its final state), and when any failed marks the
 * later stages not started. Returns the next stage (the end after a failure).
 */
async function advanceStage(
  deps: ParentDeps,
  run: ParentRun,
  plan: DeliveryPlan,
  stage: number,
  results: Record<string, TargetResult>,
  token: string,
): Promise<number> {
  const { data, job, ref, octokit, pendingOf } = run;
  // Which merge of a target is newer follows the branch's history, not the order the pushes arrived in.
  const order = plan.order ?? data.seq;
  const targets = targetsOfStage(plan, stage, data.only);
  const missing = targets.filter((t) => results[t.key] === undefined);
  if (missing.length > 0) {
    for (const target of missing) {
      const jobId = targetJobId(ref, target, data.attempt);
      // Never re-add a child that exists: re-adding a failed one would make the parent wait for it forever.
      if (await deps.childExists(jobId)) continue;
      const child: TargetJobData = {
        deliveryId: data.deliveryId,
        installationId: data.installationId,
        owner: data.owner,
        repo: data.repo,
        mergeSha: ref.sha,
        seq: order,
        attempt: data.attempt,
        target,
        options: plan.options,
      };
      await deps.targetQueue.add(target.type satisfies TargetJobName, child, {
        ...deps.childOptions,
        jobId,
        // The parent lives in another queue: BullMQ flows name it by its qualified queue name.
        parent: { id: job.id ?? '', queue: job.queueQualifiedName },
      });
    }
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
    const values = await job.getChildrenValues<TargetResult>();
    const failures = await job.getIgnoredChildrenFailures();
    const byId = (map: Record<string, unknown>, jobId: string) =>
      Object.entries(map).find(([key]) => key.endsWith(`:${jobId}`))?.[1];
    for (const target of missing) {
      const jobId = targetJobId(ref, target, data.attempt);
      const value = byId(values, jobId) as TargetResult | undefined;
      const failure = byId(failures, jobId) as string | undefined;
      const result: TargetResult = value ?? {
        key: target.key,
        state: 'error',
        kind: 'failed',
        description: failure ?? 'Job ended without a result',
      };
      results[target.key] = result;
      const pending = pendingOf(statusContext(target), jobId, deps.targetUrl(target, plan));
      if (await deps.store.isPending(pending)) {
        await deps.writeStatus({ octokit, pending, state: result.state, description: result.description });
      }
    }
  }
  const failed = targets.filter((t) => results[t.key]?.state !== 'success');
  if (failed.length === 0) return stage + 1;
  const cause = `not started: ${failed.map(targetLabel).join(', ')} failed`;
  for (let later = stage + 1; later < plan.stages.length; later += 1) {
    for (const target of targetsOfStage(plan, later, data.only)) {
      results[target.key] = { key: target.key, state: 'failure', kind: 'not-started', description: cause };
      await deps.writeStatus({
        octokit,
        pending: pendingOf(statusContext(target), job.id ?? '', deps.targetUrl(target, plan)),
        state: 'failure',
        description: cause,
      });
    }
  }
  return plan.stages.length;
}

/** The deploy status counts the targets done so far, once a stage finishes and another follows; best effort. */
async function showProgress(
  deps: ParentDeps,
  run: ParentRun,
  plan: DeliveryPlan,
  nextStage: number,
  results: Record<string, TargetResult>,
): Promise<void> {
  const stagesLeft = plan.stages.length - nextStage;
  const description = deliveryProgress(plan, results, nextStage, run.data.only);
  try {
    await deps.writeStatus({
      octokit: run.octokit,
      pending: run.deployPending,
      state: 'pending',
      description,
      deadline: Date.now() + stagesLeft * (plan.options.timeoutMs + deps.statusGraceMs) + deps.statusGraceMs,
    });
  } catch (error) {
    // Only the count is lost: the stage is done and recorded, and the final status still follows.
    run.jobLog.warn({ error: deliverErrorReason(error), description }, 'deploy progress not posted');
  }
}

/** The aggregate deploy status (and, on failure, the comment on the merged pull request). */
async function finish(
  deps: ParentDeps,
  run: ParentRun,
  plan: DeliveryPlan,
  results: Record<string, TargetResult>,
): Promise<DeliverJobResult> {
  const all = { ...run.data.previous, ...results };
  const aggregate = aggregateDelivery(plan, all);
  if (aggregate.state === 'failure') await deps.commentFailure(run.octokit, run.data, plan, all, run.jobLog);
  await deps.writeStatus({
    octokit: run.octokit,
    pending: run.deployPending,
    state: aggregate.state,
    description: aggregate.description,
  });
  run.jobLog.info({ state: aggregate.state, description: aggregate.description }, 'delivery finished');
  return {
    state: aggregate.state,
    description: aggregate.description,
    results: all,
  } satisfies DeliverJobResult;
}

/** GitHub or git said no in a way retrying will not change (4xx other than rate limits, `isPermanentGitError`). */
function isPermanentRemoteError(error: unknown): boolean {
  if (error instanceof PlanInputError || isPermanentGitError(error)) return true;
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function targetsOfStage(
  plan: DeliveryPlan,
  stage: number,
  only: readonly string[] | undefined,
): DeliveryTarget[] {
  const targets = plan.stages[stage]?.targets ?? [];
  return only ? targets.filter((t) => only.includes(t.key)) : targets;
}

function stageLabel(stage: DeliveryPlan['stages'][number]): string {
  if (stage.kind === 'claims') return 'claims';
  if (stage.kind === 'owner-apps') return 'apps delivering claims';
  return `apps, sync wave ${stage.wave ?? 0}`;
}
