import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import type { FarmedPlan, RenderFarm, RenderRequest } from '../plan/render-farm.ts';
import { type ClosableWorker, closableWorker } from './closable-worker.ts';
import { lockTimings } from './lock-timings.ts';
import { createBullConnections, type RedisConnection } from './redis-connection.ts';

export const RENDER_QUEUE_NAME = 'mergeplane-render';

/** The repository a farmed render reads: the App's installation repository, synced by the worker that takes it. */
export interface RenderRepository {
  owner: string;
  repo: string;
  installationId: number;
}

/** One render job: a batch of one plan's renders. */
export interface RenderJobData {
  repository: RenderRepository;
  plan: FarmedPlan;
  requests: RenderRequest[];
}

/** Renders per job: enough to pay for the job's setup (clone sync, config), few enough to spread 100 renders. */
export const RENDERS_PER_JOB = 8;

export interface QueueRenderFarmOptions {
  connection: RedisConnection;
  prefix: string;
  repository: RenderRepository;
  threshold: number;
  /** How long a plan waits for its farmed renders; whatever is not done by then, the plan renders itself. */
  timeoutMs: number;
  log?: PlanLogger;
}

/**
 * A render farm on BullMQ: the requests, in batches, become jobs of the render queue that every plan worker takes
 * (a worker that dies mid-job has its job retried by another once its lock expires), and `renderAll` resolves when
 * all of them finished or `timeoutMs` passed.
 */
export function createQueueRenderFarm(options: QueueRenderFarmOptions): RenderFarm {
  const log = options.log ?? silentLogger;
  return {
    threshold: options.threshold,
    async renderAll(requests, plan) {
      const bulls = createBullConnections(options.connection);
      const queue = new Queue<RenderJobData>(RENDER_QUEUE_NAME, {
        connection: bulls.connection(),
        prefix: options.prefix,
      });
      const events = new QueueEvents(RENDER_QUEUE_NAME, {
        connection: bulls.connection(),
        prefix: options.prefix,
      });
      const outstanding = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      try {
        await events.waitUntilReady();
        const done = new Promise<void>((resolve) => {
          const finished = ({ jobId }: { jobId: string }) => {
            if (outstanding.delete(jobId) && outstanding.size === 0) resolve();
          };
          events.on('completed', finished);
          events.on('failed', finished);
          timer = setTimeout(() => {
            log.warn(
              { jobs: outstanding.size },
              'farmed renders not finished in time; the plan renders them',
            );
            resolve();
          }, options.timeoutMs);
        });
        const batch = randomUUID();
        const jobs = [];
        for (let i = 0; i < requests.length; i += RENDERS_PER_JOB) {
          const jobId = `${batch}-${i / RENDERS_PER_JOB}`;
          outstanding.add(jobId);
          const data = {
            repository: options.repository,
            plan,
            requests: requests.slice(i, i + RENDERS_PER_JOB),
          };
          jobs.push({
            name: 'render',
            data,
            opts: { jobId, attempts: 2, removeOnComplete: true, removeOnFail: { age: 3600 } },
          });
        }
        await queue.addBulk(jobs);
        await done;
      } finally {
        clearTimeout(timer);
        await Promise.allSettled([events.close(), queue.close()]);
        await bulls.releaseAll();
      }
    },
  };
}

export interface RenderWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  /** Render jobs this process runs at once (each renders its batch with the repository's `render.concurrency`). */
  concurrency: number;
  run: (data: RenderJobData) => Promise<void>;
  log?: PlanLogger;
  lockDuration?: number;
  stalledInterval?: number;
}

export type RenderWorker = ClosableWorker<RenderJobData>;

/** Takes render jobs of any plan, from any worker process. */
export function createRenderWorker(options: RenderWorkerOptions): RenderWorker {
  const log = options.log ?? silentLogger;
  const bulls = createBullConnections(options.connection);
  const worker = new Worker<RenderJobData>(
    RENDER_QUEUE_NAME,
    async (job) => {
      await options.run(job.data);
    },
    {
      connection: bulls.connection({ maxRetriesPerRequest: null }),
      prefix: options.prefix,
      concurrency: options.concurrency,
      ...lockTimings(options),
    },
  );
  worker.on('error', (error) => log.warn({ error: error.message }, 'render worker error'));
  worker.on('failed', (job, error) =>
    log.warn({ jobId: job?.id, error: error.message }, 'render job failed'),
  );
  return closableWorker(worker, bulls);
}
