import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { type ApprovalReader, createApprovalStore } from './approval-store.ts';
import { closableWorker } from './closable-worker.ts';
import { createResourceLock } from './deliver-lock.ts';
import { lockTimings } from './lock-timings.ts';
import { PermanentPlanError } from './permanent-plan-error.ts';
import { createPlanItemStore, type PlanItemStore } from './plan-item-store.ts';
import { PLAN_QUEUE_NAME, type PlanJobData, pullRequestKey } from './plan-job.ts';
import { createPlanQueue } from './plan-queue.ts';
import { createPlanStateStore } from './plan-state-store.ts';
import { createRedisClient, type RedisConnection, toBullConnection } from './redis-connection.ts';

export interface PlanJobContext {
  /** Records a head SHA that GitHub confirmed as the pull request's current head (see `PlanStateStore`). */
  confirmHead(headSha: string): Promise<void>;
  /** Queues a plan of the pull request's current head (found stale by a job of an older one); deduplicated. */
  enqueue(data: PlanJobData): Promise<void>;
  /** No retry follows a failure of this attempt: the job's check run must be completed now. */
  finalAttempt: boolean;
  /**
   * Runs `publish` while no other job publishes to the same pull request, so "is my head still current?" and
   * the writes that follow cannot interleave with another head's: the comment only moves forward.
   */
  publishExclusively<T>(publish: () => Promise<T>): Promise<T>;
  /** The worker's logger with the job's id, repository, pull request and head bound in. */
  log: PlanLogger;
  /** The `/mergeplane approve` records (pass to `runPlanJob` as `approvals`). */
  approvals: ApprovalReader;
  /** What each planned head asked approval for (pass to `runPlanJob` as `planItems`). */
  planItems: PlanItemStore;
  /**
   * BullMQ's job name: `plan`, `diff` for `/mergeplane diff` (whose data carries `diff`), or `merge-group` for a
   * merge queue's group (whose data carries `mergeGroup`).
   */
  name: string;
}

export type PlanJobOutcome = 'planned';

const PUBLISH_LOCK_POLL_MS = 200;
const PUBLISH_LOCK_WAIT_MS = 120_000;

export interface PlanWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  /** The orchestration function; throw `PermanentPlanError` when retrying cannot help. */
  run: (data: PlanJobData, ctx: PlanJobContext) => Promise<void>;
  log?: PlanLogger;
  /** How long a job's lock lives without renewal; a crashed worker's job is retried after it expires. */
  lockDuration?: number;
  /** How often the worker looks for jobs whose lock expired (stalled jobs). */
  stalledInterval?: number;
}

export interface PlanWorker {
  /**
   * Waits for running jobs unless `force`, in which case they are left to stall and be retried elsewhere.
   * Idempotent.
   */
  close(force?: boolean): Promise<void>;
  readonly worker: Worker<PlanJobData, PlanJobOutcome>;
}

export function createPlanWorker(options: PlanWorkerOptions): PlanWorker {
  const log = options.log ?? silentLogger;
  const redis = createRedisClient(options.connection);
  const state = createPlanStateStore({ redis, prefix: options.prefix });
  const approvals = createApprovalStore({ redis, prefix: options.prefix });
  const planItems = createPlanItemStore({ redis, prefix: options.prefix });
  const planQueue = createPlanQueue({ connection: options.connection, prefix: options.prefix });
  const publishLock = createResourceLock({
    redis,
    prefix: options.prefix,
    namespace: PLAN_QUEUE_NAME,
    ttlMs: 60_000,
  });

  async function process(job: Job<PlanJobData, PlanJobOutcome>): Promise<PlanJobOutcome> {
    const data = job.data;
    const meta = {
      jobId: job.id,
      job: job.name,
      repository: `${data.owner}/${data.repo}`,
      pullNumber: data.pullNumber,
      headSha: data.headSha,
      attempt: job.attemptsMade + 1,
    };
    const jobLog: PlanLogger = {
      debug: (extra, message) => log.debug({ ...meta, ...extra }, message),
      info: (extra, message) => log.info({ ...meta, ...extra }, message),
      warn: (extra, message) => log.warn({ ...meta, ...extra }, message),
    };
    // Whether the job is current is GitHub's to say (the orchestration asks it); events arrive in any order.
    const context: PlanJobContext = {
      confirmHead: (headSha) => state.confirmHead(data, headSha),
      enqueue: async (current) => {
        const { jobId, duplicate } = await planQueue.enqueue(current);
        jobLog.info({ currentJobId: jobId, duplicate }, 'plan of the current head queued');
      },
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      publishExclusively: async (publish) => {
        const resource = `publish:${pullRequestKey(data)}`;
        for (let waited = 0; ; waited += PUBLISH_LOCK_POLL_MS) {
          const lease = await publishLock.tryAcquire(resource);
          if (lease !== undefined) {
            try {
              return await publish();
            } finally {
              await lease.release();
            }
          }
          // Publishing takes seconds; a holder that died frees the lock when its lease expires.
          if (waited > PUBLISH_LOCK_WAIT_MS)
            throw new Error(`pull request ${resource} is being published by another job`);
          await new Promise((resolve) => setTimeout(resolve, PUBLISH_LOCK_POLL_MS));
        }
      },
      log: jobLog,
      approvals,
      planItems,
      name: job.name,
    };
    try {
      await options.run(data, context);
    } catch (error) {
      if (error instanceof PermanentPlanError) {
        jobLog.warn({ error: error.message }, 'plan job failed permanently');
        const unrecoverable = new UnrecoverableError(error.message);
        unrecoverable.cause = error;
        throw unrecoverable;
      }
      throw error;
    }
    return 'planned';
  }

  const bull = toBullConnection(options.connection, { maxRetriesPerRequest: null });
  const worker = new Worker<PlanJobData, PlanJobOutcome>(PLAN_QUEUE_NAME, process, {
    connection: bull.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...lockTimings(options),
  });
  // Without a listener an 'error' event would crash the process; connection errors are retried by ioredis.
  worker.on('error', (error) => log.warn({ error: error.message }, 'plan worker error'));

  return closableWorker(worker, async () => {
    await planQueue.close();
    await bull.release();
    await redis.quit();
  });
}
