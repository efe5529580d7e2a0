import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from '../engine/plan-change.ts';
import { createRepoCache } from '../git/repo-cache.ts';
import { createWriteBudget, PROGRESS_WRITES_PER_MINUTE } from '../github/write-budget.ts';
import { createArgoCdLiveReader } from '../kube/argocd-live-reader.ts';
import { createDestinationLiveReader } from '../kube/destination-live-reader.ts';
import { loadKubeConfig } from '../kube/load-kube-config.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import { createPlanProcessor, installationToken } from '../plan-job/create-plan-processor.ts';
import { createRenderProcessor } from '../plan-job/render-processor.ts';
import { createPlanWorker } from '../queue/plan-worker.ts';
import { createQueueRenderFarm, createRenderWorker } from '../queue/render-queue.ts';
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

/**
 * The plan worker: one clone per repository on disk, fetched with the installation token; and, unless fan-out is
 * off, a render worker taking any plan's farmed renders into the render cache all workers share.
 */
export function createPlanWorkerFactory(): (context: RuntimeContext) => ManagedWorker {
  return (context) => {
    const { env, probot, logger } = context;
    const repoCache = createRepoCache({
      dir: env.repoCacheDir ?? defaultRepoCacheDir(),
      baseUrl: gitBaseUrl(env.github.baseUrl),
    });
    const caches = new PlanCaches();
    const cacheDir = env.cacheDir ?? defaultCacheDir();
    const fanOut = env.renderFanOut.threshold > 0;
    const renderWorker = fanOut
      ? createRenderWorker({
          connection: context.workerConnection,
          prefix: env.queuePrefix,
          concurrency: env.renderFanOut.jobs,
          lockDuration: env.workers.lockDurationMs,
          stalledInterval: env.workers.stalledIntervalMs,
          log: logger.child({ component: 'render-worker' }),
          run: createRenderProcessor({
            repoCache,
            tokenFor: async (id) => installationToken(await probot.auth(id), id),
            cacheDir,
            caches,
            log: logger.child({ component: 'render-worker' }),
          }),
        })
      : undefined;
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
        cacheDir,
        progressIntervalMs: env.workers.progressIntervalMs,
        progressBudget: createWriteBudget({ perMinute: PROGRESS_WRITES_PER_MINUTE }),
        ...(env.argocdUrl !== undefined && env.argocdToken !== undefined
          ? {
              liveReader: createArgoCdLiveReader({ server: env.argocdUrl, token: env.argocdToken }),
              // The worker's kubeconfig is loaded when an added app is compared, not at start: a plan worker
              // without Kubernetes access still plans, and the app's live view says why.
              destinationsFor: (argocdNamespace: string) =>
                createDestinationLiveReader({
                  kubeConfig: () => loadKubeConfig({ env: process.env }),
                  argocdNamespace,
                }),
            }
          : {}),
        caches,
        ...(fanOut
          ? {
              farmFor: (repository) =>
                createQueueRenderFarm({
                  connection: context.workerConnection,
                  prefix: env.queuePrefix,
                  repository,
                  threshold: env.renderFanOut.threshold,
                  // Longer than one render may take: a slower farm only means the plan renders what is left.
                  timeoutMs: 10 * 60_000,
                  log: logger.child({ component: 'render-farm' }),
                }),
            }
          : {}),
      }),
    });
    return {
      name: 'plan',
      pause: async () => {
        await Promise.all([planWorker.worker.pause(false), renderWorker?.worker.pause(false)]);
      },
      close: async (force) => {
        await Promise.all([planWorker.close(force), renderWorker?.close(force)]);
      },
    };
  };
}
