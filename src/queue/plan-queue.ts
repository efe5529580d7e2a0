import { type JobsOptions, Queue } from 'bullmq';
import { type ApprovalStore, createApprovalStore } from './approval-store.ts';
import {
  type DiffRequest,
  diffJobId,
  type MergeGroupRequest,
  mergeGroupJobId,
  PLAN_QUEUE_NAME,
  type PlanJobData,
  type PullRequestRef,
  planJobId,
} from './plan-job.ts';
import { createPlanStateStore } from './plan-state-store.ts';
import { createRedisClient, type RedisConnection, toBullConnection } from './redis-connection.ts';

export interface PlanQueueOptions {
  connection: RedisConnection;
  /** Namespaces every key (BullMQ's and ours): one prefix per deployment, or per test. */
  prefix: string;
  /** Default: 3 attempts, exponential backoff from 5 s. */
  retry?: { attempts?: number; backoffDelayMs?: number };
}

export interface EnqueueResult {
  jobId: string;
  /** A job with this id already existed (or is being added right now), so nothing new was queued. */
  duplicate: boolean;
}

export interface PlanQueue {
  enqueue(data: PlanJobData): Promise<EnqueueResult>;
  /**
   * Queues a `diff` job (job name `diff`, id from `diffJobId`): repeats for the same head and app collapse
   * while it waits, a finished one runs again. It does not move the pull request's latest head.
   */
  enqueueDiff(data: PlanJobData & { diff: DiffRequest }): Promise<EnqueueResult>;
  /**
   * Queues a merge group's plan (job name `merge-group`, id from `mergeGroupJobId`): a redelivery collapses into
   * the waiting or finished job. Tracked with the pull request of the group's own entry.
   */
  enqueueMergeGroup(data: PlanJobData & { mergeGroup: MergeGroupRequest }): Promise<EnqueueResult>;
  /** Removes the waiting plan of a destroyed merge group; true when one was removed. */
  dropMergeGroup(owner: string, repo: string, headSha: string): Promise<boolean>;
  /** The `/mergeplane approve` records, in the same Redis under the same prefix. */
  readonly approvals: ApprovalStore;
  /** Removes the pull request's waiting and delayed plan jobs and marks it closed; returns how many were removed. */
  dropPullRequest(owner: string, repo: string, pullNumber: number): Promise<number>;
  /** Idempotent. */
  close(): Promise<void>;
  /** The underlying BullMQ queue, for the dashboard and tests. */
  readonly queue: Queue<PlanJobData>;
}

const PENDING_STATES = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children']);
const FINISHED_STATES = new Set(['completed', 'failed']);

/** A merge group's job: one per group head; a redelivery finds it waiting, running or done and adds nothing. */
async function enqueueMergeGroupJob(
  o: { queue: Queue<PlanJobData>; state: ReturnType<typeof createPlanStateStore> },
  data: PlanJobData & { mergeGroup: MergeGroupRequest },
): Promise<EnqueueResult> {
  const jobId = mergeGroupJobId(data);
  if (!(await o.state.lockEnqueue(jobId))) return { jobId, duplicate: true };
  try {
    const existing = await o.queue.getJobState(jobId);
    // A failed group plan runs again when GitHub asks again (as a diff job does); any other is a redelivery.
    if (existing === 'failed' && (await o.queue.remove(jobId)) !== 1) return { jobId, duplicate: true };
    if (existing !== 'unknown' && existing !== 'failed') return { jobId, duplicate: true };
    await o.state.trackJob(data, jobId);
    await o.queue.add('merge-group', { ...data, trigger: 'merge_group' }, { jobId });
    return { jobId, duplicate: false };
  } finally {
    await o.state.unlockEnqueue(jobId);
  }
}

export function createPlanQueue(options: PlanQueueOptions): PlanQueue {
  const jobOptions: JobsOptions = {
    attempts: options.retry?.attempts ?? 3,
    backoff: { type: 'exponential', delay: options.retry?.backoffDelayMs ?? 5_000 },
    // Finished jobs stay a while (dedupe of redeliveries, dashboard) but never pile up.
    removeOnComplete: { age: 24 * 3600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
  };
  const bull = toBullConnection(options.connection);
  const queue = new Queue<PlanJobData>(PLAN_QUEUE_NAME, {
    connection: bull.connection,
    prefix: options.prefix,
    defaultJobOptions: jobOptions,
  });
  const redis = createRedisClient(options.connection);
  const state = createPlanStateStore({ redis, prefix: options.prefix });
  const approvals = createApprovalStore({ redis, prefix: options.prefix });

  /** Removes a job only while no worker holds it; running jobs find out through `isCurrent()`. */
  async function removePending(jobId: string): Promise<boolean> {
    const jobState = await queue.getJobState(jobId);
    if (!PENDING_STATES.has(jobState)) return false;
    // 0 when a worker took the job in between: it is locked and will see it is no longer current.
    return (await queue.remove(jobId)) === 1;
  }

  /**
   * No job of another head is removed here: which head is current is GitHub's to say, not the order in
   * which webhooks arrive. A job whose head is no longer current finds out from GitHub and ends at once.
   */
  async function add(data: PlanJobData, jobId: string): Promise<void> {
    await state.trackJob(data, jobId);
    await queue.add('plan', data, { jobId });
  }

  let closing: Promise<void> | undefined;
  return {
    queue,
    approvals,
    async enqueueDiff(data) {
      const jobId = diffJobId({ ...data, app: data.diff.app });
      if (!(await state.lockEnqueue(jobId))) return { jobId, duplicate: true };
      try {
        const existing = await queue.getJobState(jobId);
        if (FINISHED_STATES.has(existing) && (await queue.remove(jobId)) !== 1)
          return { jobId, duplicate: true };
        if (existing !== 'unknown' && !FINISHED_STATES.has(existing)) return { jobId, duplicate: true };
        // Tracked with the plan jobs, so closing the pull request drops a waiting diff too.
        await state.trackJob(data, jobId);
        await queue.add('diff', { ...data, trigger: 'diff' }, { jobId });
        return { jobId, duplicate: false };
      } finally {
        await state.unlockEnqueue(jobId);
      }
    },
    enqueueMergeGroup: (data) => enqueueMergeGroupJob({ queue, state }, data),
    dropMergeGroup: (owner, repo, headSha) => removePending(mergeGroupJobId({ owner, repo, headSha })),
    async enqueue(data) {
      const jobId = planJobId(data);
      if (!(await state.lockEnqueue(jobId))) return { jobId, duplicate: true };
      try {
        const existing = await queue.getJobState(jobId);
        if (existing === 'unknown') {
          await add(data, jobId);
          return { jobId, duplicate: false };
        }
        // The last head a worker confirmed with GitHub: when it is another commit, this one came back (a
        // force-push to an older commit) and its finished plan may have been superseded.
        const latest = await state.latestHead(data);
        const headMoved = latest !== undefined && planJobId({ ...data, headSha: latest }) !== jobId;
        // A finished job answers a redelivery, but not a head that came back nor an explicit request to plan again.
        if (FINISHED_STATES.has(existing) && (headMoved || data.trigger !== 'pull_request')) {
          if ((await queue.remove(jobId)) === 1) {
            await add(data, jobId);
            return { jobId, duplicate: false };
          }
        }
        return { jobId, duplicate: true };
      } finally {
        await state.unlockEnqueue(jobId);
      }
    },
    async dropPullRequest(owner, repo, pullNumber) {
      const ref: PullRequestRef = { owner, repo, pullNumber };
      const jobIds = await state.forgetJobs(ref);
      let removed = 0;
      for (const jobId of jobIds) if (await removePending(jobId)) removed += 1;
      return removed;
    },
    close() {
      closing ??= (async () => {
        await queue.close();
        await bull.release();
        await redis.quit();
      })();
      return closing;
    },
  };
}
