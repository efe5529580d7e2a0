import type { Octokit } from '@octokit/rest';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { RepoCache } from '../git/repo-cache.ts';
import { createCommitStatus } from '../github/commit-status.ts';
import type { KubeDelivery } from '../kube/kube-delivery.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { deliverErrorReason } from './deliver-error-reason.ts';
import {
  DELIVER_JOB,
  DELIVER_QUEUE_NAME,
  type DeliverJobData,
  type DeliverJobResult,
  type TargetJobData,
  type TargetResult,
} from './deliver-job.ts';
import { createResourceLock } from './deliver-lock.ts';
import { createDeliverParentProcessor } from './deliver-parent-processor.ts';
import { createDeliveryPlanner, type DeliveryPlanner } from './deliver-planner.ts';
import { createDeliverStateStore } from './deliver-state-store.ts';
import { createDeliverStatusPublisher } from './deliver-status-publisher.ts';
import { createDeliverTargetProcessor } from './deliver-target-processor.ts';
import { createDeliverWatchdog } from './deliver-watchdog.ts';
import { createRedisClient, type RedisConnection, toBullConnection } from './redis-connection.ts';

export type { DeliveryPlanner } from './deliver-planner.ts';

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
  const writeStatus = createDeliverStatusPublisher({ store, statusGraceMs });
  const argocdUrl = deps.argocdUrl !== undefined ? { argocdUrl: deps.argocdUrl } : {};

  const processDeliver = createDeliverParentProcessor({
    octokitFor: deps.octokitFor,
    tokenFor: deps.tokenFor,
    planner:
      deps.planner ??
      createDeliveryPlanner({
        repoCache: deps.repoCache,
        ...(deps.cacheDir !== undefined ? { cacheDir: deps.cacheDir } : {}),
      }),
    ...argocdUrl,
    store,
    queue,
    writeStatus,
    log,
    statusGraceMs,
    retry: {
      attempts: options.retry?.attempts ?? 5,
      backoffDelayMs: options.retry?.backoffDelayMs ?? 5_000,
    },
  });
  const processTarget = createDeliverTargetProcessor({
    octokitFor: deps.octokitFor,
    kube: deps.kube,
    ...argocdUrl,
    store,
    appLock,
    writeStatus,
    shutdown: shutdown.signal,
    log,
    statusGraceMs,
    lockRetryDelayMs: options.lockRetryDelayMs ?? 5_000,
    progressIntervalMs: options.progressIntervalMs ?? 15_000,
    supersedeCheckMs: options.supersedeCheckMs ?? 5_000,
  });

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
            log.warn({ error: deliverErrorReason(error) }, 'deliver watchdog sweep failed'),
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
