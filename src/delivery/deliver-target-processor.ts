import type { Octokit } from '@octokit/rest';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { DeliveryProgress, KubeDelivery } from '../kube/kube-delivery.ts';
import { KubePermanentError } from '../kube/kube-errors.ts';
import { type DeliveryTarget, statusContext } from '../model/delivery-plan.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { TargetJobData, TargetResult } from '../queue/deliver-job.ts';
import type { ResourceLock } from '../queue/deliver-lock.ts';
import type { DeliverStateStore, PendingStatus } from '../queue/deliver-state-store.ts';
import { deliverErrorReason } from './deliver-error-reason.ts';
import { bindDeliverJobLog } from './deliver-job-log.ts';
import type { DeliverStatusPublisher } from './deliver-status-publisher.ts';
import { deliverTarget, runningDescription } from './deliver-target.ts';
import { deliverTargetUrl } from './deliver-target-url.ts';

export interface DeliverTargetProcessorOptions {
  octokitFor(installationId: number): Promise<Octokit>;
  kube: KubeDelivery;
  /** The adapter of a named kubeconfig context (`delivery.kubeContext`); absent: only `kube`. */
  kubeFor?: (context: string) => KubeDelivery;
  /** Argo CD UI, for status target URLs. */
  argocdUrl?: string;
  store: DeliverStateStore;
  /** One holder per Argo CD app or claim across all workers, so two merges never drive it at once. */
  appLock: ResourceLock;
  writeStatus: DeliverStatusPublisher;
  /**
   * Aborted once a forced shutdown has released the running jobs: a released job publishes nothing, since
   * another worker re-runs it.
   */
  shutdown: AbortSignal;
  log: PlanLogger;
  statusGraceMs: number;
  lockRetryDelayMs: number;
  progressIntervalMs: number;
  supersedeCheckMs: number;
}

/** Runs one claim/sync job: waits for the target's app lock, drives it, and publishes its commit status. */
export type DeliverTargetProcessor = (
  job: Job<TargetJobData>,
  token: string,
  signal: AbortSignal,
) => Promise<TargetResult>;

export function createDeliverTargetProcessor(options: DeliverTargetProcessorOptions): DeliverTargetProcessor {
  const {
    store,
    appLock,
    writeStatus,
    log,
    statusGraceMs,
    lockRetryDelayMs,
    progressIntervalMs,
    supersedeCheckMs,
  } = options;

  return async function processTarget(job, token, signal) {
    const { data } = job;
    const { target } = data;
    const jobLog = bindDeliverJobLog(log, {
      jobId: job.id,
      repo: `${data.owner}/${data.repo}`,
      mergeSha: data.mergeSha,
      target: target.key,
      attempt: job.attemptsMade + 1,
      deliveryId: data.deliveryId,
    });
    const octokit = await options.octokitFor(data.installationId);
    const url = deliverTargetUrl(options.argocdUrl, target, data);
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
      return await deliverLocked({ options, job, signal, pending, octokit, jobLog, finish, supersede });
    } finally {
      await lease.release();
    }
  };
}

/** One target's delivery once its app lock is held: status pending, deliver with progress, publish the outcome. */
async function deliverLocked(o: {
  options: DeliverTargetProcessorOptions;
  job: Job<TargetJobData>;
  signal: AbortSignal;
  pending: PendingStatus;
  octokit: Octokit;
  jobLog: PlanLogger;
  finish: (result: TargetResult) => Promise<TargetResult>;
  supersede: () => Promise<TargetResult | undefined>;
}): Promise<TargetResult> {
  const { options, job, signal, pending, octokit, jobLog, finish, supersede } = o;
  const { writeStatus, statusGraceMs, progressIntervalMs, supersedeCheckMs } = options;
  const { data } = job;
  const { target } = data;
  const late = await supersede();
  if (late) return await finish(late);
  await writeStatus({
    octokit,
    pending,
    state: 'pending',
    description: runningDescription(target, data.mergeSha),
    deadline: Date.now() + data.options.timeoutMs + statusGraceMs,
  });
  const progress = progressPoster({
    post: (description, deadline) =>
      writeStatus({ octokit, pending, state: 'pending', description, deadline }),
    job,
    jobLog,
    intervalMs: progressIntervalMs,
    graceMs: data.options.timeoutMs + statusGraceMs,
  });
  // A newer merge of this target planned meanwhile: Argo CD may go straight to its commit and never sync
  // ours, so stop waiting (and free the app lock for the newer merge) instead of timing out.
  const watch = watchSupersede(supersede, supersedeCheckMs, jobLog);
  let result: TargetResult;
  try {
    const outcome = await deliverTarget(target, {
      kube: kubeOf(options, data.options.kubeContext),
      mergeSha: data.mergeSha,
      options: data.options,
      signal: AbortSignal.any([signal, watch.signal]),
      onProgress: progress.onProgress,
    });
    // The adapter answers an abort with an `aborted` outcome: a released job publishes nothing.
    if (options.shutdown.aborted) throw new DeliveryReleasedError();
    const newer = watch.newer();
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
    if (options.shutdown.aborted) throw error;
    await progress.flushed();
    const newer = watch.newer();
    if (newer !== undefined) {
      await job.updateData({ ...data, outcome: newer });
      return await finish(newer);
    }
    await recordFailure(job, error, finish, jobLog);
    throw error;
  } finally {
    watch.stop();
  }
  await progress.flushed();
  await job.updateData({ ...data, outcome: result });
  return await finish(result);
}

/**
 * A failed delivery attempt: a permanent Kubernetes error or the last attempt publishes the final state (and a
 * permanent one ends the job without retries); an earlier attempt is only logged before BullMQ retries it.
 */
async function recordFailure(
  job: Job<TargetJobData>,
  error: unknown,
  finish: (result: TargetResult) => Promise<TargetResult>,
  jobLog: PlanLogger,
): Promise<void> {
  const { data } = job;
  const reason = deliverErrorReason(error);
  if (error instanceof KubePermanentError) {
    const failed: TargetResult = {
      key: data.target.key,
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
      key: data.target.key,
      state: 'error',
      kind: 'failed',
      description: `${reason} (gave up after ${attempts} attempts)`,
    };
    await job.updateData({ ...data, outcome: failed });
    await finish(failed);
  } else {
    jobLog.warn({ error: reason }, 'deliver target failed, will retry');
  }
}

/**
 * Progress of a running target: every update goes to the job; the pending status follows at most every
 * `intervalMs` and only when the message changed, posts chained so they land in order.
 */
function progressPoster(o: {
  post: (description: string, deadline: number) => Promise<void>;
  job: Job<TargetJobData>;
  jobLog: PlanLogger;
  intervalMs: number;
  graceMs: number;
}): { onProgress: (progress: DeliveryProgress) => void; flushed: () => Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let lastAt = Date.now();
  let last = '';
  return {
    onProgress(progress) {
      void o.job.updateProgress({ ...progress }).catch(() => {});
      const now = Date.now();
      if (progress.message === last || now - lastAt < o.intervalMs) return;
      last = progress.message;
      lastAt = now;
      chain = chain
        .then(() => o.post(progress.message, now + o.graceMs))
        .catch((error) =>
          o.jobLog.warn({ error: deliverErrorReason(error) }, 'deliver progress status not posted'),
        );
    },
    flushed: () => chain,
  };
}

/** Checks every `everyMs` whether a newer merge took the target over; the first one found aborts `signal`. */
function watchSupersede(
  supersede: () => Promise<TargetResult | undefined>,
  everyMs: number,
  jobLog: PlanLogger,
): { signal: AbortSignal; newer: () => TargetResult | undefined; stop: () => void } {
  let newer: TargetResult | undefined;
  const controller = new AbortController();
  const timer = setInterval(() => {
    supersede().then(
      (found) => {
        if (!found || newer) return;
        newer = found;
        controller.abort();
      },
      (error) => jobLog.debug({ error: deliverErrorReason(error) }, 'supersede check failed'),
    );
  }, everyMs);
  return { signal: controller.signal, newer: () => newer, stop: () => clearInterval(timer) };
}

/** The worker shut down (forced) while the target ran: another worker re-runs the job. */
class DeliveryReleasedError extends Error {
  override readonly name = 'DeliveryReleasedError';
  constructor() {
    super('released by worker shutdown');
  }
}

/** The repository's Kubernetes context, or the worker's own; naming one this worker cannot use is permanent. */
function kubeOf(
  options: Pick<DeliverTargetProcessorOptions, 'kube' | 'kubeFor'>,
  context: string | undefined,
): KubeDelivery {
  if (context === undefined) return options.kube;
  if (options.kubeFor === undefined) {
    throw new KubePermanentError(
      `Kubernetes context "${context}" (delivery.kubeContext) cannot be used: the worker has a single fixed configuration (in-cluster)`,
    );
  }
  return options.kubeFor(context);
}

function lockResource(target: DeliveryTarget): string {
  return target.type === 'sync' ? `app:${target.app.namespace}/${target.app.name}` : `claim:${target.key}`;
}
