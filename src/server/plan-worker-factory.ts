import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRepoCache } from '../git/repo-cache.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import { createPlanProcessor } from '../plan-job/create-plan-processor.ts';
import { createPlanWorker } from '../queue/plan-worker.ts';
import { createAppUserLogin } from './app-user-login.ts';
import type { ManagedWorker, RuntimeContext } from './worker-factory.ts';

/** Where clones live without MERGEPLANE_REPO_CACHE_DIR: beside the render cache in the user's cache. */
export function defaultRepoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'mergeplane', 'repos');
}

/** GitHub's git host: github.com, or the GitHub Enterprise Server host of the API base URL. */
export function gitBaseUrl(apiBaseUrl: string | undefined): string {
  if (apiBaseUrl === undefined) return 'https://github.com';
  return new URL(apiBaseUrl).origin;
}

/** The plan worker: one clone per repository on disk, fetched with the installation token. */
export function createPlanWorkerFactory(): (context: RuntimeContext) => ManagedWorker {
  return (context) => {
    const { env, probot, logger } = context;
    const repoCache = createRepoCache({
      dir: env.repoCacheDir ?? defaultRepoCacheDir(),
      baseUrl: gitBaseUrl(env.github.baseUrl),
    });
    const planWorker = createPlanWorker({
      connection: context.workerConnection,
      prefix: env.queuePrefix,
      concurrency: env.workers.concurrency,
      lockDuration: env.workers.lockDurationMs,
      stalledInterval: env.workers.stalledIntervalMs,
      log: logger.child({ component: 'plan-worker' }),
      run: createPlanProcessor({
        probot,
        repoCache,
        appUserLogin: createAppUserLogin(probot),
        appId: Number(env.appId),
        ...(env.cacheDir === undefined ? {} : { cacheDir: env.cacheDir }),
        caches: new PlanCaches(),
      }),
    });
    return {
      name: 'plan',
      pause: () => planWorker.worker.pause(false),
      close: (force) => planWorker.close(force),
    };
  };
}
