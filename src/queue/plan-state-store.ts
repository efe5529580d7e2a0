import type { Redis } from 'ioredis';
import {
  isPlanCurrent,
  normalizeSha,
  PLAN_QUEUE_NAME,
  type PlanJobData,
  type PullRequestRef,
  pullRequestKey,
} from './plan-job.ts';

/** Per pull request facts that outlive single jobs: the latest head SHA, whether it is closed, its job ids. */
export interface PlanStateStore {
  /** Records `data.headSha` as the latest head and reopens the pull request; returns the previous head. */
  recordHead(data: PlanJobData, jobId: string): Promise<string | undefined>;
  latestHead(ref: PullRequestRef): Promise<string | undefined>;
  isCurrent(data: PlanJobData): Promise<boolean>;
  /** Adds a job id to the pull request's jobs (dropped on close) without touching its latest head. */
  trackJob(ref: PullRequestRef, jobId: string): Promise<void>;
  /** Marks the pull request closed and returns the ids of the jobs enqueued for it. */
  markClosed(ref: PullRequestRef): Promise<string[]>;
  /** A short lease so two concurrent enqueues of one job id agree on which one is the duplicate. */
  lockEnqueue(jobId: string): Promise<boolean>;
  unlockEnqueue(jobId: string): Promise<void>;
}

export interface PlanStateStoreOptions {
  redis: Redis;
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
    return { head: `${base}:head:${pr}`, closed: `${base}:closed:${pr}`, jobs: `${base}:jobs:${pr}` };
  };

  return {
    async recordHead(data, jobId) {
      const k = keys(data);
      const results = await redis
        .multi()
        .set(k.head, normalizeSha(data.headSha), 'EX', ttl, 'GET')
        .del(k.closed)
        .sadd(k.jobs, jobId)
        .expire(k.jobs, ttl)
        .exec();
      const [error, previous] = results?.[0] ?? [new Error('transaction aborted'), null];
      if (error) throw error;
      return typeof previous === 'string' ? previous : undefined;
    },
    async latestHead(ref) {
      return (await redis.get(keys(ref).head)) ?? undefined;
    },
    async isCurrent(data) {
      const k = keys(data);
      const [latestHeadSha, closed] = await redis.mget(k.head, k.closed);
      return isPlanCurrent({
        headSha: data.headSha,
        latestHeadSha: latestHeadSha ?? undefined,
        closed: closed !== null,
      });
    },
    async trackJob(ref, jobId) {
      const k = keys(ref);
      await redis.multi().sadd(k.jobs, jobId).expire(k.jobs, ttl).exec();
    },
    async markClosed(ref) {
      const k = keys(ref);
      const results = await redis.multi().set(k.closed, '1', 'EX', ttl).smembers(k.jobs).del(k.jobs).exec();
      const [error, jobIds] = results?.[1] ?? [new Error('transaction aborted'), null];
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
