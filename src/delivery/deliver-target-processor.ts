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
          .catch((error) =>
            jobLog.warn({ error: deliverErrorReason(error) }, 'deliver progress status not posted'),
          );
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
          (error) => jobLog.debug({ error: deliverErrorReason(error) }, 'supersede check failed'),
        );
      }, supersedeCheckMs);
      let result: TargetResult;
      try {
        const outcome = await deliverTarget(target, {
          kube: kubeOf(options, data.options.kubeContext),
          mergeSha: data.mergeSha,
          options: data.options,
          signal: AbortSignal.any([signal, superseding.signal]),
          onProgress,
        });
        // The adapter answers an abort with an `aborted` outcome: a released job publishes nothing.
        if (options.shutdown.aborted) throw new DeliveryReleasedError();
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
        await progressPost;
        if (newer !== undefined) {
          await job.updateData({ ...data, outcome: newer });
          return await finish(newer);
        }
        const reason = deliverErrorReason(error);
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
  };
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
