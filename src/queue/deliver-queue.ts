import { type Job, type JobsOptions, Queue } from 'bullmq';
import { planTargets } from '../model/delivery-plan.ts';
import {
  DELIVER_JOB,
  DELIVER_QUEUE_NAME,
  DELIVER_TARGETS_QUEUE_NAME,
  type DeliverJobData,
  deliverJobId,
  type MergeInput,
  mergeRef,
  type TargetJobData,
  type TargetResult,
} from './deliver-job.ts';
import { type QueueMetrics, queueMetrics } from './deliver-metrics.ts';
import { createDeliverStateStore } from './deliver-state-store.ts';
import { createBullConnections, createRedisClient, type RedisConnection } from './redis-connection.ts';

/** What `/mergeplane retry` needs: re-run the failed (and not started) jobs of a merged pull request's merge. */
export interface DeliveryRetrier {
  retryFailed(input: {
    owner: string;
    repo: string;
    pullNumber: number;
    mergeSha: string;
  }): Promise<{ retried: number }>;
}

export interface DeliverQueueOptions {
  connection: RedisConnection;
  prefix: string;
  /** Attempts of a `deliver` parent (planning: git and the planning engine). Default 5, exponential from 5 s. */
  retry?: { attempts?: number; backoffDelayMs?: number };
}

export interface EnqueueMergeResult {
  jobId: string;
  /** The merge was already enqueued (redelivered webhook, or its push and its merged pull request). */
  duplicate: boolean;
}

export interface DeliverQueue extends DeliveryRetrier {
  enqueueMerge(input: MergeInput): Promise<EnqueueMergeResult>;
  retryFailed(input: {
    owner: string;
    repo: string;
    mergeSha: string;
    pullNumber?: number;
  }): Promise<{ retried: number }>;
  /** Job counts per state of both queues, for the metrics endpoint. */
  metrics(): Promise<QueueMetrics[]>;
  close(): Promise<void>;
  /** The `deliver` parents. */
  readonly queue: Queue<DeliverJobData>;
  /** Their `claim` / `sync` children (added by the worker; here for metrics, the dashboard and tests). */
  readonly targetQueue: Queue<TargetJobData>;
}

const FINISHED = new Set(['completed', 'failed']);
const RETRY_LEASE_MS = 30_000;

function mergeInputOf(data: DeliverJobData): MergeInput {
  return {
    deliveryId: data.deliveryId,
    installationId: data.installationId,
    owner: data.owner,
    repo: data.repo,
    ...(data.before !== undefined ? { before: data.before } : {}),
    after: data.after,
    ...(data.baseBranch !== undefined ? { baseBranch: data.baseBranch } : {}),
    ...(data.pullNumber !== undefined ? { pullNumber: data.pullNumber } : {}),
    trigger: data.trigger,
  };
}

function deliverJobOptions(retry: DeliverQueueOptions['retry']): JobsOptions {
  return {
    attempts: retry?.attempts ?? 5,
    backoff: { type: 'exponential', delay: retry?.backoffDelayMs ?? 5_000 },
    // Kept long: a finished parent holds the plan and results that `/mergeplane retry` needs.
    removeOnComplete: { age: 30 * 24 * 3600, count: 5_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 5_000 },
  };
}

export function createDeliverQueue(options: DeliverQueueOptions): DeliverQueue {
  const jobOptions = deliverJobOptions(options.retry);
  const bulls = createBullConnections(options.connection);
  const queue = new Queue<DeliverJobData>(DELIVER_QUEUE_NAME, {
    connection: bulls.connection(),
    prefix: options.prefix,
    defaultJobOptions: jobOptions,
  });
  const targetQueue = new Queue<TargetJobData>(DELIVER_TARGETS_QUEUE_NAME, {
    connection: bulls.connection(),
    prefix: options.prefix,
  });
  const redis = createRedisClient(options.connection);
  const store = createDeliverStateStore({ redis, prefix: options.prefix });

  let closing: Promise<void> | undefined;
  return {
    queue,
    targetQueue,
    async enqueueMerge(input) {
      const ref = mergeRef({ owner: input.owner, repo: input.repo, sha: input.after });
      const jobId = deliverJobId(ref);
      const seq = await store.registerMerge({
        ...ref,
        ...(input.pullNumber !== undefined ? { pullNumber: input.pullNumber } : {}),
      });
      if (seq === undefined) {
        // The merged pull request's event has no `before`; the push's is exact (rebase merges add several
        // commits): hand it to the job while it has not started.
        const existing = await queue.getJob(jobId);
        if (existing && input.before !== undefined && (await existing.getState()) === 'waiting') {
          const parent = existing as Job<DeliverJobData>;
          if (parent.data.before === undefined)
            await parent.updateData({ ...parent.data, before: input.before });
        }
        return { jobId, duplicate: true };
      }
      const data: DeliverJobData = { ...input, after: ref.sha, seq, attempt: 1 };
      try {
        await queue.add(DELIVER_JOB, data, { jobId });
      } catch (error) {
        await store.forgetMerge(ref);
        throw error;
      }
      return { jobId, duplicate: false };
    },
    async retryFailed(input) {
      const ref = mergeRef({ owner: input.owner, repo: input.repo, sha: input.mergeSha });
      const lease = `retry:${ref.owner}/${ref.repo}@${ref.sha}`;
      if (!(await store.lease(lease, RETRY_LEASE_MS))) return { retried: 0 };
      try {
        const attempt = await store.attempt(ref);
        const parent = await queue.getJob(deliverJobId(ref, attempt));
        if (!parent || !FINISHED.has(await parent.getState())) return { retried: 0 };
        const data = parent.data as DeliverJobData;
        const base = {
          ...mergeInputOf(data),
          ...(input.pullNumber !== undefined ? { pullNumber: input.pullNumber } : {}),
          seq: data.seq,
        };
        if (!data.plan) {
          // Planning itself failed: plan again.
          const next = await store.nextAttempt(ref);
          await queue.add(DELIVER_JOB, { ...base, attempt: next }, { jobId: deliverJobId(ref, next) });
          return { retried: 1 };
        }
        const results: Record<string, TargetResult> = { ...data.previous, ...data.results };
        const failed = planTargets(data.plan)
          .filter((t) => results[t.key]?.state !== 'success')
          .map((t) => t.key);
        if (failed.length === 0) return { retried: 0 };
        const previous = Object.fromEntries(Object.entries(results).filter(([, r]) => r.state === 'success'));
        const next = await store.nextAttempt(ref);
        await queue.add(
          DELIVER_JOB,
          { ...base, attempt: next, plan: data.plan, only: failed, previous },
          { jobId: deliverJobId(ref, next) },
        );
        return { retried: failed.length };
      } finally {
        await store.release(lease);
      }
    },
    async metrics() {
      return Promise.all([queueMetrics(queue), queueMetrics(targetQueue)]);
    },
    close() {
      closing ??= (async () => {
        await Promise.all([queue.close(), targetQueue.close()]);
        await bulls.releaseAll();
        await redis.quit();
      })();
      return closing;
    },
  };
}
