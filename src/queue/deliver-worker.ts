import type { Octokit } from '@octokit/rest';
import {
  DelayedError,
  type Job,
  type JobsOptions,
  Queue,
  UnrecoverableError,
  WaitingChildrenError,
  Worker,
} from 'bullmq';
import { deliverTarget, runningDescription } from '../delivery/deliver-target.ts';
import {
  DEPLOY_STATUS_CONTEXT,
  type DeliveryPlan,
  type DeliveryTarget,
  statusContext,
  targetLabel,
} from '../delivery/delivery-plan.ts';
import { planDelivery } from '../delivery/plan-delivery.ts';
import { UnknownRefError } from '../git/git-repository.ts';
import { InvalidSyncRequestError, type RepoCache } from '../git/repo-cache.ts';
import { argocdApplicationUrl, type CommitState, createCommitStatus } from '../github/commit-status.ts';
import {
  type DeployFailure,
  postDeployFailureComment,
  pullRequestOfCommit,
  renderDeployFailureComment,
} from '../github/deploy-failure-comment.ts';
import type { DeliveryProgress, KubeDelivery } from '../kube/kube-delivery.ts';
import { KubePermanentError } from '../kube/kube-errors.ts';
import { PlanInputError } from '../plan/plan-change.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import {
  DELIVER_JOB,
  DELIVER_QUEUE_NAME,
  type DeliverJobData,
  type DeliverJobResult,
  type MergeInput,
  mergeRef,
  type TargetJobData,
  type TargetJobName,
  type TargetResult,
  targetJobId,
} from './deliver-job.ts';
import { createResourceLock } from './deliver-lock.ts';
import { createDeliverStateStore, type PendingStatus } from './deliver-state-store.ts';
import { createDeliverWatchdog } from './deliver-watchdog.ts';
import { createRedisClient, type RedisConnection, toBullConnection } from './redis-connection.ts';

/** Plans a merge (git + the planning engine); replaceable for tests and dry runs. */
export type DeliveryPlanner = (
  input: MergeInput & { token: string; log: PlanLogger },
) => Promise<DeliveryPlan>;

export interface DeliverWorkerDeps {
  octokitFor(installationId: number): Promise<Octokit>;
  /** Installation token, for git only. */
  tokenFor(installationId: number): Promise<string>;
  repoCache: RepoCache;
  kube: KubeDelivery;
  /** Argo CD UI, for status target URLs (`MERGEPLANE_ARGOCD_URL`). */
  argocdUrl?: string;
  log?: PlanLogger;
  /** Render cache directory for planning; `false` keeps it in memory. */
  cacheDir?: string | false;
  /** Default: sync the clone with the installation token and run `planDelivery`. */
  planner?: DeliveryPlanner;
}

export interface DeliverWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  deps: DeliverWorkerDeps;
  /** BullMQ job lock; a dead worker's job is taken over once it expires (stalled-job handling). */
  lockDuration?: number;
  stalledInterval?: number;
  /** How often a job may stall (its worker died) and still be re-run. Default 2. */
  maxStalledCount?: number;
  /** Period of the pending-status watchdog in this worker; 0 disables it. Default 60 s. */
  watchdogIntervalMs?: number;
  /** Added to a target's timeout before the watchdog gives up on its pending status. Default 120 s. */
  statusGraceMs?: number;
  /** TTL of the per-app lock (renewed while held; frees itself when a worker dies). Default 30 s. */
  appLockTtlMs?: number;
  /** How long a target waits before trying a busy app's lock again (no attempt is used). Default 5 s. */
  lockRetryDelayMs?: number;
  /** Attempts of claim/sync jobs on transient Kubernetes or GitHub errors. Default 5, exponential from 5 s. */
  retry?: { attempts?: number; backoffDelayMs?: number };
  /** Minimum time between progress updates of a pending status. Default 15 s. */
  progressIntervalMs?: number;
  /**
   * How often a running target checks whether a newer merge has taken it over; it then stops waiting and
   * reports superseded. Default 5 s.
   */
  supersedeCheckMs?: number;
}

export interface DeliverWorker {
  /**
   * Stops taking jobs. Without `force` it waits for the running jobs to finish; with `force` it releases them:
   * they stop without publishing anything, and another worker re-runs them once their lock expires. Idempotent.
   */
  close(force?: boolean): Promise<void>;
  /** One watchdog pass now (also run periodically); returns how many statuses it marked `error`. */
  sweepWatchdog(): Promise<number>;
  readonly worker: Worker<DeliverJobData | TargetJobData, DeliverJobResult | TargetResult>;
}

/** GitHub or git said no in a way retrying will not change (4xx other than rate limits). */
function isPermanentRemoteError(error: unknown): boolean {
  if (
    error instanceof PlanInputError ||
    error instanceof InvalidSyncRequestError ||
    error instanceof UnknownRefError
  )
    return true;
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function reasonOf(error: unknown): string {
  if (error instanceof KubePermanentError) return error.reason;
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

function targetsOfStage(
  plan: DeliveryPlan,
  stage: number,
  only: readonly string[] | undefined,
): DeliveryTarget[] {
  const targets = plan.stages[stage]?.targets ?? [];
  return only ? targets.filter((t) => only.includes(t.key)) : targets;
}

function aggregateDescription(
  plan: DeliveryPlan,
  results: Record<string, TargetResult>,
): {
  state: 'success' | 'failure';
  description: string;
} {
  const all = plan.stages.flatMap((s) => s.targets);
  const bad = all.filter((t) => results[t.key]?.state !== 'success');
  if (bad.length === 0) {
    if (all.length === 0) return { state: 'success', description: 'Nothing to deliver' };
    // A superseded target was not synced by this merge: it must not be counted as synced or ready.
    const done = all.filter((t) => results[t.key]?.kind !== 'superseded');
    const superseded = all.length - done.length;
    if (done.length === 0) {
      return {
        state: 'success',
        description: `Nothing left to deliver: ${superseded} superseded by newer merges`,
      };
    }
    const apps = done.filter((t) => t.type === 'sync').length;
    const claims = done.length - apps;
    const parts = [
      apps > 0 ? `${apps} app${apps === 1 ? '' : 's'} synced` : '',
      claims > 0 ? `${claims} claim${claims === 1 ? '' : 's'} ready` : '',
      superseded > 0 ? `${superseded} superseded by newer merges` : '',
    ].filter(Boolean);
    return { state: 'success', description: `Delivered: ${parts.join(', ')}` };
  }
  const failed = bad.filter((t) => results[t.key]?.kind !== 'not-started');
  const notStarted = bad.length - failed.length;
  return {
    state: 'failure',
    description: `${failed.length} of ${all.length} failed: ${failed.map(targetLabel).join(', ')}${notStarted > 0 ? `; ${notStarted} not started` : ''}`,
  };
}

export function createDeliverWorker(options: DeliverWorkerOptions): DeliverWorker {
  const { deps } = options;
  const log = deps.log ?? silentLogger;
  const redis = createRedisClient(options.connection);
  const store = createDeliverStateStore({ redis, prefix: options.prefix });
  const appLock = createResourceLock({
    redis,
    prefix: options.prefix,
    ttlMs: options.appLockTtlMs ?? 30_000,
    onLost: (resource) => log.warn({ resource }, 'deliver app lock lost'),
  });
  // Children are added through a queue of our own (BullMQ's worker cannot add jobs).
  const queue = new Queue<DeliverJobData | TargetJobData>(DELIVER_QUEUE_NAME, {
    connection: toBullConnection(options.connection),
    prefix: options.prefix,
  });
  const shutdown = new AbortController();
  const running = new Set<Promise<unknown>>();
  const statusGraceMs = options.statusGraceMs ?? 120_000;
  const lockRetryDelayMs = options.lockRetryDelayMs ?? 5_000;
  const progressIntervalMs = options.progressIntervalMs ?? 15_000;
  const supersedeCheckMs = options.supersedeCheckMs ?? 5_000;
  const childOptions: JobsOptions = {
    attempts: options.retry?.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.retry?.backoffDelayMs ?? 5_000 },
    // The parent always resumes: a failed child lands in its ignored failures instead of failing it.
    ignoreDependencyOnFailure: true,
    removeOnComplete: { age: 30 * 24 * 3600, count: 20_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 20_000 },
  };

  const planner: DeliveryPlanner =
    deps.planner ??
    (async (input) => {
      const repository = await deps.repoCache.sync({
        owner: input.owner,
        repo: input.repo,
        token: input.token,
        refs: [input.after, ...(input.before ? [input.before] : [])],
      });
      const before = input.before ?? (await repository.resolve(`${input.after}^`));
      return planDelivery({
        repoDir: repository.dir,
        before,
        after: input.after,
        ...(input.baseBranch !== undefined ? { baseBranch: input.baseBranch } : {}),
        ...(deps.cacheDir !== undefined ? { cacheDir: deps.cacheDir } : {}),
        logger: input.log,
      });
    });

  function targetUrl(target: DeliveryTarget, plan: Pick<DeliveryPlan, 'options'>): string | undefined {
    if (target.type === 'sync') return argocdApplicationUrl(deps.argocdUrl, target.app);
    if (target.ownedBy) {
      return argocdApplicationUrl(deps.argocdUrl, {
        namespace: plan.options.argocdNamespace,
        name: target.ownedBy,
      });
    }
    return undefined;
  }

  interface StatusWrite {
    octokit: Octokit;
    pending: PendingStatus;
    state: CommitState;
    description: string;
    /** For pending: when the watchdog may give up on it. */
    deadline?: number;
  }

  async function writeStatus(write: StatusWrite): Promise<void> {
    const { pending } = write;
    const status = {
      owner: pending.owner,
      repo: pending.repo,
      sha: pending.sha,
      context: pending.context,
      state: write.state,
      description: write.description,
      ...(pending.targetUrl !== undefined ? { targetUrl: pending.targetUrl } : {}),
    };
    if (write.state === 'pending') {
      await store.markPending(pending, write.deadline ?? Date.now() + statusGraceMs);
      await createCommitStatus(write.octokit, status);
      return;
    }
    // Take the pending record first: then the watchdog cannot post `error` after our final state.
    await store.resolvePending(pending);
    try {
      await createCommitStatus(write.octokit, status);
    } catch (error) {
      await store.markPending(pending, Date.now() + statusGraceMs);
      throw error;
    }
  }

  // ---- claim / sync jobs -------------------------------------------------------------------------------

  async function processTarget(job: Job<DeliverJobData | TargetJobData>, token: string, signal: AbortSignal) {
    const data = job.data as TargetJobData;
    const { target } = data;
    const jobLog = bind(log, {
      jobId: job.id,
      repo: `${data.owner}/${data.repo}`,
      mergeSha: data.mergeSha,
      target: target.key,
      attempt: job.attemptsMade + 1,
      deliveryId: data.deliveryId,
    });
    const octokit = await deps.octokitFor(data.installationId);
    const url = targetUrl(target, data);
    const pending: PendingStatus = {
      installationId: data.installationId,
      owner: data.owner,
      repo: data.repo,
      sha: data.mergeSha,
      context: statusContext(target),
      jobId: job.id ?? '',
      ...(url !== undefined ? { targetUrl: url } : {}),
    };
    const finish = async (result: TargetResult): Promise<TargetResult> => {
      await writeStatus({ octokit, pending, state: result.state, description: result.description });
      jobLog.info(
        { state: result.state, kind: result.kind, description: result.description },
        'deliver target finished',
      );
      return result;
    };
    if (data.outcome) return finish(data.outcome);
    const supersede = async (): Promise<TargetResult | undefined> => {
      const newer = await store.supersededBy({
        owner: data.owner,
        repo: data.repo,
        targetKey: target.key,
        seq: data.seq,
      });
      if (newer === undefined) return undefined;
      return {
        key: target.key,
        state: 'success',
        kind: 'superseded',
        description: `Superseded by ${newer.slice(0, 7)}`,
      };
    };
    const early = await supersede();
    if (early) return finish(early);

    const lease = await appLock.tryAcquire(lockResource(target));
    if (!lease) {
      // Another merge is delivering this app: wait without using an attempt, and keep the status alive.
      await store.extendPending(
        pending,
        Date.now() + lockRetryDelayMs + data.options.timeoutMs + statusGraceMs,
      );
      await job.moveToDelayed(Date.now() + lockRetryDelayMs, token);
      jobLog.debug({}, 'deliver target waits for the app lock');
      throw new DelayedError();
    }
    try {
      const late = await supersede();
      if (late) return await finish(late);
      await writeStatus({
        octokit,
        pending,
        state: 'pending',
        description: runningDescription(target, data.mergeSha),
        deadline: Date.now() + data.options.timeoutMs + statusGraceMs,
      });
      let progressPost: Promise<void> = Promise.resolve();
      let lastProgressAt = Date.now();
      let lastProgress = '';
      const onProgress = (progress: DeliveryProgress) => {
        void job.updateProgress({ ...progress }).catch(() => {});
        const now = Date.now();
        if (progress.message === lastProgress || now - lastProgressAt < progressIntervalMs) return;
        lastProgress = progress.message;
        lastProgressAt = now;
        progressPost = progressPost
          .then(() =>
            writeStatus({
              octokit,
              pending,
              state: 'pending',
              description: progress.message,
              deadline: now + data.options.timeoutMs + statusGraceMs,
            }),
          )
          .catch((error) => jobLog.warn({ error: reasonOf(error) }, 'deliver progress status not posted'));
      };
      // A newer merge of this target planned meanwhile: Argo CD may go straight to its commit and never sync
      // ours, so stop waiting (and free the app lock for the newer merge) instead of timing out.
      let newer: TargetResult | undefined;
      const superseding = new AbortController();
      const supersedeTimer = setInterval(() => {
        supersede().then(
          (found) => {
            if (!found || newer) return;
            newer = found;
            superseding.abort();
          },
          (error) => jobLog.debug({ error: reasonOf(error) }, 'supersede check failed'),
        );
      }, supersedeCheckMs);
      let result: TargetResult;
      try {
        const outcome = await deliverTarget(target, {
          kube: deps.kube,
          mergeSha: data.mergeSha,
          options: data.options,
          signal: AbortSignal.any([signal, superseding.signal]),
          onProgress,
        });
        // The adapter answers an abort with an `aborted` outcome: a released job publishes nothing.
        if (shutdown.signal.aborted) throw new DeliveryReleasedError();
        result =
          newer !== undefined && !outcome.ok
            ? newer
            : {
                key: target.key,
                state: outcome.ok ? 'success' : 'failure',
                kind: outcome.ok ? 'done' : 'failed',
                description: outcome.description,
              };
      } catch (error) {
        // Released by a forced shutdown: publish nothing; the job stalls and another worker re-runs it.
        if (shutdown.signal.aborted) throw error;
        await progressPost;
        if (newer !== undefined) {
          await job.updateData({ ...data, outcome: newer });
          return await finish(newer);
        }
        const reason = reasonOf(error);
        if (error instanceof KubePermanentError) {
          const failed: TargetResult = {
            key: target.key,
            state: 'failure',
            kind: 'failed',
            description: reason,
          };
          await job.updateData({ ...data, outcome: failed });
          await finish(failed);
          throw new UnrecoverableError(reason);
        }
        const attempts = job.opts.attempts ?? 1;
        if (job.attemptsMade + 1 >= attempts) {
          const failed: TargetResult = {
            key: target.key,
            state: 'error',
            kind: 'failed',
            description: `${reason} (gave up after ${attempts} attempts)`,
          };
          await job.updateData({ ...data, outcome: failed });
          await finish(failed);
        } else {
          jobLog.warn({ error: reason }, 'deliver target failed, will retry');
        }
        throw error;
      } finally {
        clearInterval(supersedeTimer);
      }
      await progressPost;
      await job.updateData({ ...data, outcome: result });
      return await finish(result);
    } finally {
      await lease.release();
    }
  }

  // ---- deliver (parent) jobs ---------------------------------------------------------------------------

  async function processDeliver(job: Job<DeliverJobData | TargetJobData>, token: string) {
    let data = job.data as DeliverJobData;
    const ref = mergeRef({ owner: data.owner, repo: data.repo, sha: data.after });
    const jobLog = bind(log, {
      jobId: job.id,
      repo: `${data.owner}/${data.repo}`,
      mergeSha: data.after,
      attempt: data.attempt,
      deliveryId: data.deliveryId,
      ...(data.pullNumber !== undefined ? { pullNumber: data.pullNumber } : {}),
    });
    const octokit = await deps.octokitFor(data.installationId);
    const pendingOf = (context: string, jobId: string, url?: string): PendingStatus => ({
      installationId: data.installationId,
      owner: data.owner,
      repo: data.repo,
      sha: ref.sha,
      context,
      jobId,
      ...(url !== undefined ? { targetUrl: url } : {}),
    });
    const deployPending = pendingOf(DEPLOY_STATUS_CONTEXT, job.id ?? '');

    let plan = data.plan;
    if (data.stage === undefined) {
      try {
        if (!plan) {
          const token = await deps.tokenFor(data.installationId);
          plan = await planner({ ...data, token, log: jobLog });
          for (const target of plan.stages.flatMap((s) => s.targets)) {
            await store.recordLatest({
              owner: data.owner,
              repo: data.repo,
              targetKey: target.key,
              seq: data.seq,
              sha: ref.sha,
            });
          }
          jobLog.info(
            { stages: plan.stages.map((s) => s.targets.length), notes: plan.notes },
            'delivery planned',
          );
        }
        // Every target gets its status now, so the commit shows the whole delivery from the start.
        const budget = plan.stages.length * (plan.options.timeoutMs + statusGraceMs) + statusGraceMs;
        const deadline = Date.now() + budget;
        for (let index = 0; index < plan.stages.length; index += 1) {
          const previous = plan.stages[index - 1];
          for (const target of targetsOfStage(plan, index, data.only)) {
            await writeStatus({
              octokit,
              pending: pendingOf(statusContext(target), job.id ?? '', targetUrl(target, plan)),
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
      } catch (error) {
        const permanent = isPermanentRemoteError(error);
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        jobLog.warn({ error: reasonOf(error), permanent, last }, 'delivery planning failed');
        if (permanent || last) {
          await writeStatus({
            octokit,
            pending: deployPending,
            state: 'error',
            description: `Planning failed: ${reasonOf(error)}`,
          }).catch((statusError) =>
            jobLog.warn({ error: reasonOf(statusError) }, 'deploy status not posted'),
          );
          if (permanent) throw new UnrecoverableError(reasonOf(error));
        }
        throw error;
      }
      data = { ...data, plan, stage: 0, results: {} };
      await job.updateData(data);
    }
    if (!plan) throw new UnrecoverableError('deliver job has a stage but no plan');

    let stage = data.stage ?? 0;
    const results: Record<string, TargetResult> = { ...data.results };
    while (stage < plan.stages.length) {
      const targets = targetsOfStage(plan, stage, data.only);
      const missing = targets.filter((t) => results[t.key] === undefined);
      if (missing.length > 0) {
        for (const target of missing) {
          const jobId = targetJobId(ref, target, data.attempt);
          // Never re-add a child that exists: re-adding a failed one would make the parent wait for it forever.
          if (await queue.getJob(jobId)) continue;
          const child: TargetJobData = {
            deliveryId: data.deliveryId,
            installationId: data.installationId,
            owner: data.owner,
            repo: data.repo,
            mergeSha: ref.sha,
            seq: data.seq,
            attempt: data.attempt,
            target,
            options: plan.options,
          };
          await queue.add(target.type satisfies TargetJobName, child, {
            ...childOptions,
            jobId,
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
          // A child that died without publishing (stalled out, removed) still gets its final state.
          const pending = pendingOf(statusContext(target), jobId, targetUrl(target, plan));
          if (await store.isPending(pending)) {
            await writeStatus({ octokit, pending, state: result.state, description: result.description });
          }
        }
      }
      const failed = targets.filter((t) => results[t.key]?.state !== 'success');
      stage += 1;
      if (failed.length > 0) {
        const cause = `not started: ${failed.map(targetLabel).join(', ')} failed`;
        for (let later = stage; later < plan.stages.length; later += 1) {
          for (const target of targetsOfStage(plan, later, data.only)) {
            results[target.key] = {
              key: target.key,
              state: 'failure',
              kind: 'not-started',
              description: cause,
            };
            await writeStatus({
              octokit,
              pending: pendingOf(statusContext(target), job.id ?? '', targetUrl(target, plan)),
              state: 'failure',
              description: cause,
            });
          }
        }
        stage = plan.stages.length;
      }
      data = { ...data, stage, results };
      await job.updateData(data);
    }

    const all = { ...data.previous, ...results };
    const aggregate = aggregateDescription(plan, all);
    if (aggregate.state === 'failure') await commentFailure(octokit, data, plan, all, jobLog);
    await writeStatus({
      octokit,
      pending: deployPending,
      state: aggregate.state,
      description: aggregate.description,
    });
    jobLog.info({ state: aggregate.state, description: aggregate.description }, 'delivery finished');
    return {
      state: aggregate.state,
      description: aggregate.description,
      results: all,
    } satisfies DeliverJobResult;
  }

  async function commentFailure(
    octokit: Octokit,
    data: DeliverJobData,
    plan: DeliveryPlan,
    results: Record<string, TargetResult>,
    jobLog: PlanLogger,
  ): Promise<void> {
    const ref = mergeRef({ owner: data.owner, repo: data.repo, sha: data.after });
    const marker = `comment:${ref.owner}/${ref.repo}@${ref.sha}:${data.attempt}`;
    if (!(await store.once(marker))) return;
    try {
      const pullNumber =
        data.pullNumber ??
        (await store.pullNumber(ref)) ??
        (await pullRequestOfCommit(octokit, { ...data, sha: ref.sha }));
      if (pullNumber === undefined) {
        jobLog.info({}, 'delivery failed on a commit without a pull request: no comment');
        return;
      }
      const failures: DeployFailure[] = plan.stages
        .flatMap((s) => s.targets)
        .flatMap((target) => {
          const result = results[target.key];
          if (!result || result.state === 'success') return [];
          const url = targetUrl(target, plan);
          return [
            {
              label: targetLabel(target),
              context: statusContext(target),
              kind: result.kind === 'not-started' ? ('not-started' as const) : ('failed' as const),
              reason: result.description,
              ...(url !== undefined ? { targetUrl: url } : {}),
            },
          ];
        });
      const body = renderDeployFailureComment({ mergeSha: ref.sha, failures, attempt: data.attempt });
      const { url } = await postDeployFailureComment(octokit, {
        owner: data.owner,
        repo: data.repo,
        pullNumber,
        body,
      });
      jobLog.info({ pullNumber, url }, 'delivery failure commented');
    } catch (error) {
      await store.forgetOnce(marker);
      throw error;
    }
  }

  const worker = new Worker<DeliverJobData | TargetJobData, DeliverJobResult | TargetResult>(
    DELIVER_QUEUE_NAME,
    async (job, token, signal) => {
      const jobSignal = signal ? AbortSignal.any([signal, shutdown.signal]) : shutdown.signal;
      if (token === undefined) throw new UnrecoverableError('job without a lock token');
      const run =
        job.name === DELIVER_JOB ? processDeliver(job, token) : processTarget(job, token, jobSignal);
      running.add(run);
      try {
        return await run;
      } finally {
        running.delete(run);
      }
    },
    {
      connection: toBullConnection(options.connection, { maxRetriesPerRequest: null }),
      prefix: options.prefix,
      concurrency: options.concurrency,
      maxStalledCount: options.maxStalledCount ?? 2,
      ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
      ...(options.stalledInterval === undefined ? {} : { stalledInterval: options.stalledInterval }),
    },
  );
  worker.on('error', (error) => log.warn({ error: error.message }, 'deliver worker error'));

  const watchdog = createDeliverWatchdog({
    store,
    jobState: (jobId) => queue.getJobState(jobId),
    postError: async (status, description) => {
      const octokit = await deps.octokitFor(status.installationId);
      await createCommitStatus(octokit, {
        owner: status.owner,
        repo: status.repo,
        sha: status.sha,
        context: status.context,
        state: 'error',
        description,
        ...(status.targetUrl !== undefined ? { targetUrl: status.targetUrl } : {}),
      });
    },
    log,
  });
  const watchdogIntervalMs = options.watchdogIntervalMs ?? 60_000;
  let sweeping: Promise<number> | undefined;
  const sweepWatchdog = () => {
    sweeping ??= watchdog.sweep().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const watchdogTimer =
    watchdogIntervalMs > 0
      ? setInterval(() => {
          sweepWatchdog().catch((error) =>
            log.warn({ error: reasonOf(error) }, 'deliver watchdog sweep failed'),
          );
        }, watchdogIntervalMs)
      : undefined;
  watchdogTimer?.unref();

  let closing: Promise<void> | undefined;
  return {
    worker,
    sweepWatchdog,
    close(force = false) {
      closing ??= (async () => {
        if (watchdogTimer) clearInterval(watchdogTimer);
        await worker.close(force);
        // Only now (BullMQ no longer records results) are the released jobs told to stop.
        shutdown.abort();
        // Released processors still clean up (app locks) through our Redis client: let them before it closes.
        await Promise.allSettled([...running]);
        await sweeping?.catch(() => 0);
        await queue.close();
        await redis.quit();
      })();
      return closing;
    },
  };
}

/** The worker shut down (forced) while the target ran: another worker re-runs the job. */
class DeliveryReleasedError extends Error {
  override readonly name = 'DeliveryReleasedError';
  constructor() {
    super('released by worker shutdown');
  }
}

function lockResource(target: DeliveryTarget): string {
  return target.type === 'sync' ? `app:${target.app.namespace}/${target.app.name}` : `claim:${target.key}`;
}

function stageLabel(stage: DeliveryPlan['stages'][number]): string {
  if (stage.kind === 'claims') return 'claims';
  if (stage.kind === 'owner-apps') return 'apps delivering claims';
  return `apps, sync wave ${stage.wave ?? 0}`;
}

function bind(log: PlanLogger, meta: Record<string, unknown>): PlanLogger {
  return {
    debug: (extra, message) => log.debug({ ...meta, ...extra }, message),
    info: (extra, message) => log.info({ ...meta, ...extra }, message),
    warn: (extra, message) => log.warn({ ...meta, ...extra }, message),
  };
}
