import type { Octokit } from '@octokit/rest';
import { type ConnectionOptions, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { RepoCache } from '../git/repo-cache.ts';
import { createCommitStatus } from '../github/commit-status.ts';
import type { KubeDelivery } from '../kube/kube-delivery.ts';
import type { DriftRecorder } from '../model/drift.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import {
  DELIVER_JOB,
  DELIVER_QUEUE_NAME,
  DELIVER_TARGETS_QUEUE_NAME,
  type DeliverJobData,
  type DeliverJobResult,
  type TargetJobData,
  type TargetResult,
} from '../queue/deliver-job.ts';
import { createResourceLock } from '../queue/deliver-lock.ts';
import { createDeliverStateStore, type DeliverStateStore } from '../queue/deliver-state-store.ts';
import { lockTimings } from '../queue/lock-timings.ts';
import {
  type BullConnections,
  createBullConnections,
  createRedisClient,
  type RedisConnection,
} from '../queue/redis-connection.ts';
import { deliverErrorReason } from './deliver-error-reason.ts';
import { createDeliverParentProcessor } from './deliver-parent-processor.ts';
import { createDeliverStatusPublisher } from './deliver-status-publisher.ts';
import { createDeliverTargetProcessor } from './deliver-target-processor.ts';
import { createDeliverWatchdog } from './deliver-watchdog.ts';
import { createDeliveryPlanner, type DeliveryPlanner } from './plan-delivery.ts';

export type { DeliveryPlanner } from './plan-delivery.ts';

export interface DeliverWorkerDeps {
  octokitFor(installationId: number): Promise<Octokit>;
  /** Installation token, for git only. */
  tokenFor(installationId: number): Promise<string>;
  repoCache: RepoCache;
  kube: KubeDelivery;
  /**
   * The adapter of a named context of the worker's kubeconfig, for repositories that set
   * `delivery.kubeContext`; throws `KubePermanentError` for an unknown one. Absent: a single fixed configuration.
   */
  kubeFor?: (context: string) => KubeDelivery;
  /** Argo CD UI, for status target URLs (`MERGEPLANE_ARGOCD_URL`). */
  argocdUrl?: string;
  log?: PlanLogger;
  /** Render cache directory for planning; `false` keeps it in memory. */
  cacheDir?: string | false;
  /** The worker process's plan caches (one per process, shared by its merges' plans). */
  caches?: PlanCaches;
  /** Default: sync the clone with the installation token and run `planDelivery`. */
  planner?: DeliveryPlanner;
  /** The drift check's record of each merge's definitions and schedule (`drift` in the repository config). */
  recordDrift?: DriftRecorder;
}

export interface DeliverWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  /** Claim/sync jobs run at once in this process (each may wait minutes for Argo CD or Crossplane). */
  concurrency: number;
  /** `deliver` parents (planning: git and rendering, then a short step per stage) run at once. Default 1. */
  plannerConcurrency?: number;
  deps: DeliverWorkerDeps;
  /** BullMQ job lock (both queues); a dead worker's job is taken over once it expires (stalled-job handling). */
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
  /** Stops taking jobs from both queues; resolves once the running ones finished. */
  pause(): Promise<void>;
  /** One watchdog pass now (also run periodically); returns how many statuses it marked `error`. */
  sweepWatchdog(): Promise<number>;
  /** Takes `deliver` parents from `mergeplane-deliver`. */
  readonly plannerWorker: Worker<DeliverJobData | TargetJobData, DeliverJobResult | TargetResult>;
  /** Takes claim/sync children from `mergeplane-deliver-targets`. */
  readonly targetWorker: Worker<TargetJobData, TargetResult>;
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
  // Every BullMQ client made here, released once the queues and workers using it have closed.
  const bulls = createBullConnections(options.connection);
  // Children are added through a queue of our own (BullMQ's worker cannot add jobs); the parents' queue is
  // read for the watchdog and for children added there before the split.
  const queueOptions = () => ({ connection: bulls.connection(), prefix: options.prefix });
  const queue = new Queue<DeliverJobData | TargetJobData>(DELIVER_QUEUE_NAME, queueOptions());
  const targetQueue = new Queue<TargetJobData>(DELIVER_TARGETS_QUEUE_NAME, queueOptions());
  const shutdown = new AbortController();
  const running = new Set<Promise<unknown>>();
  const statusGraceMs = options.statusGraceMs ?? 120_000;
  const writeStatus = createDeliverStatusPublisher({ store, statusGraceMs });

  const { processDeliver, processTarget } = createProcessors(options, {
    store,
    appLock,
    queue,
    targetQueue,
    shutdown: shutdown.signal,
    log,
    statusGraceMs,
    writeStatus,
  });

  const track = trackJobs(shutdown.signal, running);
  const runTarget = (job: Job<TargetJobData>, token: string, signal?: AbortSignal) =>
    track(() =>
      processTarget(job, token, signal ? AbortSignal.any([signal, shutdown.signal]) : shutdown.signal),
    );
  const workerOptions = (concurrency: number) =>
    bullWorkerOptions(options, concurrency, bulls.connection({ maxRetriesPerRequest: null }));

  const plannerWorker = new Worker<DeliverJobData | TargetJobData, DeliverJobResult | TargetResult>(
    DELIVER_QUEUE_NAME,
    async (job, token, signal) => {
      if (token === undefined) throw new UnrecoverableError('job without a lock token');
      if (job.name === DELIVER_JOB) return track(() => processDeliver(job, token));
      // A claim/sync job here was added before the queues were split: it still runs to completion.
      return runTarget(job as Job<TargetJobData>, token, signal);
    },
    workerOptions(options.plannerConcurrency ?? 1),
  );
  const targetWorker = new Worker<TargetJobData, TargetResult>(
    DELIVER_TARGETS_QUEUE_NAME,
    async (job, token, signal) => {
      if (token === undefined) throw new UnrecoverableError('job without a lock token');
      return runTarget(job, token, signal);
    },
    workerOptions(options.concurrency),
  );
  logWorkerErrors(log, [
    [plannerWorker, DELIVER_QUEUE_NAME],
    [targetWorker, DELIVER_TARGETS_QUEUE_NAME],
  ]);

  const watchdog = startWatchdog({
    store,
    targetQueue,
    queue,
    octokitFor: deps.octokitFor,
    log,
    intervalMs: options.watchdogIntervalMs ?? 60_000,
  });
  const sweepWatchdog = watchdog.sweep;

  let closing: Promise<void> | undefined;
  const workers = [plannerWorker, targetWorker];
  return {
    plannerWorker,
    targetWorker,
    sweepWatchdog,
    async pause() {
      await Promise.all(workers.map((worker) => worker.pause(false)));
    },
    close(force = false) {
      closing ??= closeDeliverWorker({
        workers,
        force,
        watchdog,
        shutdown,
        running,
        queues: [queue, targetQueue],
        redis,
        bulls,
      });
      return closing;
    },
  };
}

/**
 * Runs jobs while keeping them in `running`, so a close can wait for released ones. BullMQ may still hand over a
 * job it fetched as a forced close began: that one is left to stall (another worker re-runs it) rather than take
 * app locks through a Redis client that is about to close.
 */
function trackJobs(shutdown: AbortSignal, running: Set<Promise<unknown>>) {
  return async <T>(start: () => Promise<T>): Promise<T> => {
    if (shutdown.aborted) throw new WorkerClosedError();
    const run = start();
    running.add(run);
    try {
      return await run;
    } finally {
      running.delete(run);
    }
  };
}

/**
 * Closes a deliver worker: BullMQ workers first (forced: their jobs are released), then the released processors
 * are told to stop and allowed to clean up (app locks) before the queues and the Redis client close.
 */
async function closeDeliverWorker(o: {
  workers: Worker[];
  force: boolean;
  watchdog: { stop(): void; settled(): Promise<unknown> };
  shutdown: AbortController;
  running: ReadonlySet<Promise<unknown>>;
  queues: Queue[];
  redis: { quit(): Promise<unknown> };
  bulls: BullConnections;
}): Promise<void> {
  o.watchdog.stop();
  const closed = await Promise.allSettled(o.workers.map((worker) => worker.close(o.force)));
  // Only now (BullMQ no longer records results) are the released jobs told to stop.
  o.shutdown.abort();
  await Promise.allSettled([...o.running]);
  await o.watchdog.settled();
  await Promise.all(o.queues.map((queue) => queue.close()));
  await o.bulls.releaseAll();
  await o.redis.quit();
  const failed = closed.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** BullMQ worker settings of both deliver queues (the job lock, stalled-job handling). */
function bullWorkerOptions(
  options: DeliverWorkerOptions,
  concurrency: number,
  connection: ConnectionOptions,
) {
  return {
    connection,
    prefix: options.prefix,
    concurrency,
    maxStalledCount: options.maxStalledCount ?? 2,
    ...lockTimings(options),
  };
}

function logWorkerErrors(log: PlanLogger, workers: [Worker, string][]): void {
  for (const [worker, queueName] of workers) {
    worker.on('error', (error) =>
      log.warn({ error: error.message, queue: queueName }, 'deliver worker error'),
    );
  }
}

/** The parent (`deliver`) and target (claim/sync) processors of one worker, sharing its store, lock and publisher. */
function createProcessors(
  options: DeliverWorkerOptions,
  ctx: {
    store: DeliverStateStore;
    appLock: ReturnType<typeof createResourceLock>;
    queue: Queue<DeliverJobData | TargetJobData>;
    targetQueue: Queue<TargetJobData>;
    shutdown: AbortSignal;
    log: PlanLogger;
    statusGraceMs: number;
    writeStatus: ReturnType<typeof createDeliverStatusPublisher>;
  },
) {
  const processDeliver = createDeliverParentProcessor({
    octokitFor: options.deps.octokitFor,
    tokenFor: options.deps.tokenFor,
    planner:
      options.deps.planner ??
      createDeliveryPlanner({
        repoCache: options.deps.repoCache,
        ...(options.deps.cacheDir !== undefined ? { cacheDir: options.deps.cacheDir } : {}),
        caches: options.deps.caches ?? new PlanCaches(),
      }),
    ...(options.deps.argocdUrl !== undefined ? { argocdUrl: options.deps.argocdUrl } : {}),
    ...(options.deps.recordDrift !== undefined ? { recordDrift: options.deps.recordDrift } : {}),
    store: ctx.store,
    targetQueue: ctx.targetQueue,
    legacyChildQueue: ctx.queue,
    writeStatus: ctx.writeStatus,
    log: ctx.log,
    statusGraceMs: ctx.statusGraceMs,
    retry: {
      attempts: options.retry?.attempts ?? 5,
      backoffDelayMs: options.retry?.backoffDelayMs ?? 5_000,
    },
  });
  const processTarget = createDeliverTargetProcessor({
    octokitFor: options.deps.octokitFor,
    kube: options.deps.kube,
    ...(options.deps.kubeFor !== undefined ? { kubeFor: options.deps.kubeFor } : {}),
    ...(options.deps.argocdUrl !== undefined ? { argocdUrl: options.deps.argocdUrl } : {}),
    ...(options.deps.recordDrift !== undefined ? { recordDrift: options.deps.recordDrift } : {}),
    store: ctx.store,
    appLock: ctx.appLock,
    writeStatus: ctx.writeStatus,
    shutdown: ctx.shutdown,
    log: ctx.log,
    statusGraceMs: ctx.statusGraceMs,
    lockRetryDelayMs: options.lockRetryDelayMs ?? 5_000,
    progressIntervalMs: options.progressIntervalMs ?? 15_000,
    supersedeCheckMs: options.supersedeCheckMs ?? 5_000,
  });
  return { processDeliver, processTarget };
}

/**
 * The pending-status watchdog of this worker: a sweep at most at a time, every `intervalMs` (0: only on demand);
 * a pending status names either a target job or (before its target started) the parent.
 */
function startWatchdog(o: {
  store: DeliverStateStore;
  targetQueue: Queue<TargetJobData>;
  queue: Queue<DeliverJobData | TargetJobData>;
  octokitFor: DeliverWorkerDeps['octokitFor'];
  log: PlanLogger;
  intervalMs: number;
}): { sweep: () => Promise<number>; stop: () => void; settled: () => Promise<unknown> } {
  const { log } = o;
  const watchdog = createDeliverWatchdog({
    store: o.store,
    jobState: async (jobId) => {
      const state = await o.targetQueue.getJobState(jobId);
      return state === 'unknown' ? o.queue.getJobState(jobId) : state;
    },
    postError: async (status, description) => {
      const octokit = await o.octokitFor(status.installationId);
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
  let sweeping: Promise<number> | undefined;
  const sweep = () => {
    sweeping ??= watchdog.sweep().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const timer =
    o.intervalMs > 0
      ? setInterval(() => {
          sweep().catch((error) =>
            log.warn({ error: deliverErrorReason(error) }, 'deliver watchdog sweep failed'),
          );
        }, o.intervalMs)
      : undefined;
  timer?.unref();
  return {
    sweep,
    stop: () => {
      if (timer) clearInterval(timer);
    },
    settled: async () => sweeping?.catch(() => 0),
  };
}

/** A job handed over after this worker's forced close began: it is not run here. */
class WorkerClosedError extends Error {
  override readonly name = 'WorkerClosedError';
  constructor() {
    super('deliver worker is closing');
  }
}
