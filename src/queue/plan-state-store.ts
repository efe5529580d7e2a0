import { normalizeSha, PLAN_QUEUE_NAME, type PullRequestRef, pullRequestKey } from './plan-job.ts';
import type { RedisClient } from './redis-connection.ts';

/**
 * Per pull request facts that outlive single jobs: the last head GitHub confirmed, its job ids. Webhook
 * order decides nothing here: only a worker that read the head from GitHub records it.
 */
export interface PlanStateStore {
  /** Records `headSha`, read from GitHub just now, as the pull request's current head. */
  confirmHead(ref: PullRequestRef, headSha: string): Promise<void>;
  latestHead(ref: PullRequestRef): Promise<string | undefined>;
  /** Adds a job id to the pull request's jobs (dropped on close) without touching its latest head. */
  trackJob(ref: PullRequestRef, jobId: string): Promise<void>;
  /** Forgets the pull request's job ids and returns them (it was closed). */
  forgetJobs(ref: PullRequestRef): Promise<string[]>;
  /** A short lease so two concurrent enqueues of one job id agree on which one is the duplicate. */
  lockEnqueue(jobId: string): Promise<boolean>;
  unlockEnqueue(jobId: string): Promise<void>;
}

export interface PlanStateStoreOptions {
  redis: RedisClient;
  prefix: string;
  /** How long the per pull request keys live after the last write. */
  ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;
const ENQUEUE_LOCK_MS = 10_000;

export function createPlanStateStore(options: PlanStateStoreOptions): PlanStateStore {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  // Beside, not inside, BullMQ's `prefix:queue:` namespace, whose keys BullMQ owns.
  const base = `${options.prefix}:${PLAN_QUEUE_NAME}-state`;
  const keys = (ref: PullRequestRef) => {
    const pr = pullRequestKey(ref);
    return { head: `${base}:head:${pr}`, jobs: `${base}:jobs:${pr}` };
  };

  return {
    async confirmHead(ref, headSha) {
      await redis.set(keys(ref).head, normalizeSha(headSha), 'EX', ttl);
    },
    async latestHead(ref) {
      return (await redis.get(keys(ref).head)) ?? undefined;
    },
    async trackJob(ref, jobId) {
      const k = keys(ref);
      await redis.multi().sadd(k.jobs, jobId).expire(k.jobs, ttl).exec();
    },
    async forgetJobs(ref) {
      const k = keys(ref);
      const results = await redis.multi().smembers(k.jobs).del(k.jobs).exec();
      const [error, jobIds] = results?.[0] ?? [new Error('transaction aborted'), null];
      if (error) throw error;
      return Array.isArray(jobIds) ? jobIds.filter((id): id is string => typeof id === 'string') : [];
    },
    async lockEnqueue(jobId) {
      return (await redis.set(`${base}:enqueue-lock:${jobId}`, '1', 'PX', ENQUEUE_LOCK_MS, 'NX')) === 'OK';
    },
    async unlockEnqueue(jobId) {
      await redis.del(`${base}:enqueue-lock:${jobId}`);
    },
  };
}
