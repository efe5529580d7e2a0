import { type Env, integer, read, ServerEnvError } from './env-reading.ts';

/** Queue workers: jobs per process; how long a job's lock lives without renewal, and how often expired locks are looked for. */
export interface WorkerSettings {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How often, at most, a plan's in-progress check run is updated with its progress; 0: never. */
  progressIntervalMs: number;
}

/**
 * Render fan-out: a plan needing at least `threshold` renders hands them to the render queue, which every plan
 * worker process takes `jobs` at a time (threshold 0: off, every plan renders alone).
 */
export interface RenderFanOut {
  threshold: number;
  jobs: number;
}

export const DEFAULT_WORKER_CONCURRENCY = 2;
export const MAX_WORKER_CONCURRENCY = 32;
/** Renewed every half of it; 15 s + 10 s lets another worker take a killed worker's job within ~25 s. */
export const DEFAULT_LOCK_DURATION_MS = 15_000;
export const DEFAULT_STALLED_INTERVAL_MS = 10_000;
/**
 * Six check run updates a minute at most per plan: far below GitHub's limit on content-creating requests (80 a
 * minute per installation) even with several plans running, and often enough to watch.
 */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;
export const MIN_PROGRESS_INTERVAL_MS = 2_000;

/** `MERGEPLANE_PROGRESS_INTERVAL_MS`: 0 (off) or 2,000 to 600,000 ms. */
export function loadProgressInterval(env: Env): number {
  const name = 'MERGEPLANE_PROGRESS_INTERVAL_MS';
  const value = integer(name, read(env, name), DEFAULT_PROGRESS_INTERVAL_MS, 0, 600_000);
  if (value !== 0 && value < MIN_PROGRESS_INTERVAL_MS) {
    throw new ServerEnvError(name, `must be 0 (off) or at least ${MIN_PROGRESS_INTERVAL_MS}, got ${value}`);
  }
  return value;
}

/** Worker concurrency and BullMQ's job lock settings. */
export function loadWorkers(env: Env): WorkerSettings {
  const concurrency = integer(
    'MERGEPLANE_WORKER_CONCURRENCY',
    read(env, 'MERGEPLANE_WORKER_CONCURRENCY'),
    DEFAULT_WORKER_CONCURRENCY,
    1,
    MAX_WORKER_CONCURRENCY,
  );
  const lockDurationMs = integer(
    'MERGEPLANE_LOCK_DURATION_MS',
    read(env, 'MERGEPLANE_LOCK_DURATION_MS'),
    DEFAULT_LOCK_DURATION_MS,
    5_000,
    600_000,
  );
  const stalledIntervalMs = integer(
    'MERGEPLANE_STALLED_INTERVAL_MS',
    read(env, 'MERGEPLANE_STALLED_INTERVAL_MS'),
    DEFAULT_STALLED_INTERVAL_MS,
    1_000,
    600_000,
  );
  return { concurrency, lockDurationMs, stalledIntervalMs, progressIntervalMs: loadProgressInterval(env) };
}

/** When plans spread their renders over every worker, and how many render jobs a process takes at once. */
export function loadRenderFanOut(env: Env): RenderFanOut {
  const threshold = integer(
    'MERGEPLANE_RENDER_FANOUT',
    read(env, 'MERGEPLANE_RENDER_FANOUT'),
    50,
    0,
    1_000_000,
  );
  const jobs = integer('MERGEPLANE_RENDER_JOBS', read(env, 'MERGEPLANE_RENDER_JOBS'), 1, 1, 64);
  return { threshold, jobs };
}

/**
 * Reads and validates the server's environment. Pure apart from `readFile` (only for PRIVATE_KEY_PATH):
 * pass `process.env` from the entry point. Throws a `ServerEnvError` naming the first bad variable.
 */
