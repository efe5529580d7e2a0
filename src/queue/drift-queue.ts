import { Queue, Worker } from 'bullmq';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { type ClosableWorker, closableWorker } from './closable-worker.ts';
import { createBullConnections, type RedisConnection } from './redis-connection.ts';

export const DRIFT_QUEUE_NAME = 'mergeplane-drift';

/** One drift check of one repository's default branch. */
export interface DriftJobData {
  installationId: number;
  owner: string;
  repo: string;
  /** `schedule`: the repeatable job; `command`: `/mergeplane drift` in the drift issue. */
  trigger: 'schedule' | 'command';
  /** The webhook delivery of a `command`, for the logs. */
  deliveryId?: string;
}

/** The repository's job scheduler: one per repository, so re-registering it only moves its interval. */
export function driftSchedulerId(owner: string, repo: string): string {
  return `drift:${owner}/${repo}`.toLowerCase();
}

export interface DriftQueue {
  /** Checks the repository every `intervalMs` from now on (replacing an earlier interval). */
  schedule(data: Omit<DriftJobData, 'trigger' | 'deliveryId'>, intervalMs: number): Promise<void>;
  /** Stops the repository's checks (`drift.enabled: false`). */
  unschedule(repo: { owner: string; repo: string }): Promise<void>;
  /** One check now (`/mergeplane drift`); a check already waiting for the repository serves instead. */
  checkNow(data: DriftJobData): Promise<void>;
  readonly queue: Queue<DriftJobData>;
  close(): Promise<void>;
}

export function createDriftQueue(options: { connection: RedisConnection; prefix: string }): DriftQueue {
  const bulls = createBullConnections(options.connection);
  const queue = new Queue<DriftJobData>(DRIFT_QUEUE_NAME, {
    connection: bulls.connection(),
    prefix: options.prefix,
    defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 },
  });
  return {
    queue,
    async schedule(data, intervalMs) {
      await queue.upsertJobScheduler(
        driftSchedulerId(data.owner, data.repo),
        { every: intervalMs },
        { name: 'drift', data: { ...data, trigger: 'schedule' } },
      );
    },
    async unschedule(repo) {
      await queue.removeJobScheduler(driftSchedulerId(repo.owner, repo.repo));
    },
    async checkNow(data) {
      // The job id deduplicates commands that arrive while a check of the repository waits; once it ran, its id
      // is free again (removeOnComplete keeps ids of finished jobs, so they are removed by name below).
      const jobId = `${driftSchedulerId(data.owner, data.repo).replace(':', '-')}-now`;
      const existing = await queue.getJob(jobId);
      if (existing !== undefined && ((await existing.isCompleted()) || (await existing.isFailed())))
        await existing.remove();
      await queue.add('drift', data, { jobId });
    },
    async close() {
      await queue.close();
      await bulls.releaseAll();
    },
  };
}

export interface DriftWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  run: (data: DriftJobData, jobId: string) => Promise<void>;
  log?: PlanLogger;
}

/** The drift checks: one at a time per process (each is a few list/get requests and one issue edit). */
export function createDriftWorker(options: DriftWorkerOptions): ClosableWorker<DriftJobData> {
  const log = options.log ?? silentLogger;
  const bulls = createBullConnections(options.connection);
  const worker = new Worker<DriftJobData>(
    DRIFT_QUEUE_NAME,
    async (job) => {
      await options.run(job.data, job.id ?? '');
    },
    { connection: bulls.connection({ maxRetriesPerRequest: null }), prefix: options.prefix, concurrency: 1 },
  );
  worker.on('error', (error) => log.warn({ error: error.message }, 'drift worker error'));
  worker.on('failed', (job, error) =>
    log.warn(
      { jobId: job?.id, owner: job?.data.owner, repo: job?.data.repo, error: error.message },
      'drift check failed',
    ),
  );
  return closableWorker(worker, bulls);
}

/** States of a `deliver` parent that has not finished. */
const UNFINISHED = ['waiting', 'active', 'delayed', 'waiting-children', 'prioritized'] as const;

/**
 * Whether a merge of the repository is still being delivered: an unfinished `deliver` parent (job ids start with
 * `deliver-OWNER--REPO-`). Looks at the first 1,000 unfinished parents of all repositories.
 */
export async function hasUnfinishedDelivery(
  queue: Queue,
  repo: { owner: string; repo: string },
): Promise<boolean> {
  const prefix = `deliver-${repo.owner.toLowerCase()}--${repo.repo.toLowerCase()}-`;
  const jobs = await queue.getJobs([...UNFINISHED], 0, 999);
  return jobs.some((job) => job?.id?.startsWith(prefix) === true);
}
