import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { type ApprovalReader, createApprovalStore } from './approval-store.ts';
import { PermanentPlanError } from './permanent-plan-error.ts';
import { PLAN_QUEUE_NAME, type PlanJobData } from './plan-job.ts';
import { createPlanStateStore } from './plan-state-store.ts';
import { createRedisClient, type RedisConnection, toBullConnection } from './redis-connection.ts';

export interface PlanJobContext {
  /** False once a newer head SHA was enqueued or the pull request closed: then skip publishing. */
  isCurrent(): Promise<boolean>;
  /** The worker's logger with the job's id, repository, pull request and head bound in. */
  log: PlanLogger;
  /** The `/mergeplane approve` records (pass to `runPlanJob` as `approvals`). */
  approvals: ApprovalReader;
  /** BullMQ's job name: `plan`, or `diff` for `/mergeplane diff` (whose data carries `diff`). */
  name: string;
}

export type PlanJobOutcome = 'planned' | 'skipped';

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
    const isCurrent = () => state.isCurrent(data);
    // A retried or long-queued job may have been overtaken; skip the checkout and render entirely.
    if (!(await isCurrent())) {
      jobLog.info({}, 'plan job skipped: superseded or closed');
      return 'skipped';
    }
    try {
      await options.run(data, { isCurrent, log: jobLog, approvals, name: job.name });
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

  const worker = new Worker<PlanJobData, PlanJobOutcome>(PLAN_QUEUE_NAME, process, {
    connection: toBullConnection(options.connection, { maxRetriesPerRequest: null }),
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
    ...(options.stalledInterval === undefined ? {} : { stalledInterval: options.stalledInterval }),
  });
  // Without a listener an 'error' event would crash the process; connection errors are retried by ioredis.
  worker.on('error', (error) => log.warn({ error: error.message }, 'plan worker error'));

  let closing: Promise<void> | undefined;
  return {
    worker,
    close(force = false) {
      closing ??= (async () => {
        await worker.close(force);
        await redis.quit();
      })();
      return closing;
    },
  };
}
