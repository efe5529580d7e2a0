import { renderRequests } from '../engine/render-requests.ts';
import type { RepoCache } from '../git/repo-cache.ts';
import { repoCacheConfigReader } from '../git/repo-cache-config-reader.ts';
import type { PlanCaches } from '../model/plan-caches.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { RenderJobData } from '../queue/render-queue.ts';

export interface RenderProcessorOptions {
  repoCache: RepoCache;
  /** An installation token (contents: read) for git. */
  tokenFor(installationId: number): Promise<string>;
  /** The render cache directory every plan worker shares (where the plan looks for these renders). */
  cacheDir: string;
  caches: PlanCaches;
  log: PlanLogger;
}

/**
 * The render worker's job function: brings this worker's clone up to the plan's commits with the installation
 * token, then renders the batch into the shared render cache as the plan would.
 */
export function createRenderProcessor(
  options: RenderProcessorOptions,
): (data: RenderJobData) => Promise<void> {
  return async (data) => {
    const { owner, repo, installationId } = data.repository;
    const token = await options.tokenFor(installationId);
    const shas = [...new Set([data.plan.baseSha, ...data.requests.map((r) => r.sha)])];
    const repository = await options.repoCache.sync({ owner, repo, token, refs: shas });
    const started = performance.now();
    const result = await renderRequests(data.requests, {
      repoDir: repository.dir,
      baseSha: data.plan.baseSha,
      ...(data.plan.baseBranch === undefined ? {} : { baseBranch: data.plan.baseBranch }),
      cacheDir: options.cacheDir,
      caches: options.caches,
      logger: options.log,
      configExtends: repoCacheConfigReader({ repoCache: options.repoCache, token, owner }),
    });
    options.log.info(
      { owner, repo, ...result, ms: Math.round(performance.now() - started) },
      'farmed renders done',
    );
  };
}
