import type { ConfigFileReader } from '../config/config-extends.ts';
import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { openCommitTrees } from '../git/git-objects.ts';
import { type GitRepository, openGitRepository } from '../git/git-repository.ts';
import { localSourceMatcher } from '../gitops/local-source.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import { YamlCache } from '../model/yaml-cache.ts';
import { createAppRenderer, type PlanSide } from '../plan/app-renderer.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { RenderCache } from '../plan/render-cache.ts';
import type { RenderRequest } from '../plan/render-farm.ts';
import { repoMatcher } from '../plan/repo-identity.ts';
import { readPlanConfig } from './plan-change.ts';
import { openPlanSide, type TreeCheckout } from './tree-checkout.ts';

/** What a farmed render needs besides the request: the plan's repository, base (for the config) and cache. */
export interface RenderRequestsOptions {
  repoDir: string;
  /** The plan's base commit: its `.github/mergeplane.yml` is the config, as for the plan itself. */
  baseSha: string;
  /** The branch the plan's Applications track, as the plan resolved it. */
  baseBranch?: string;
  /** The render cache the plan reads: a directory every worker shares. */
  cacheDir: string;
  caches?: PlanCaches;
  env?: NodeJS.ProcessEnv;
  logger?: PlanLogger;
  /** Reads the organisation defaults the config `_extends`, as the plan did. */
  configExtends?: ConfigFileReader;
}

interface PlanContext {
  repo: GitRepository;
  config: MergeplaneConfig;
  isThisRepo: (url: string) => boolean;
}

/** Plans whose context a worker keeps: a plan's jobs come one after another, each batch 8 renders. */
const MAX_CONTEXTS = 8;
const contexts = new Map<string, Promise<PlanContext | undefined>>();

/**
 * The repository, config (from the plan's base commit) and identity every job of one plan shares, read once per
 * worker process rather than with four git processes per job. A failure is not kept.
 */
function planContextOf(
  repoDir: string,
  baseSha: string,
  configExtends: ConfigFileReader | undefined,
): Promise<PlanContext | undefined> {
  const key = `${repoDir}\0${baseSha}`;
  let context = contexts.get(key);
  if (!context) {
    context = (async () => {
      const repo = await openGitRepository(repoDir);
      const loaded = await readPlanConfig(repo, baseSha, { configExtends });
      if ('error' in loaded) return undefined;
      return { repo, config: loaded.config, isThisRepo: repoMatcher(loaded.config, await repo.originUrl()) };
    })();
    context.then(
      (value) => value ?? contexts.delete(key),
      () => contexts.delete(key),
    );
    contexts.set(key, context);
    if (contexts.size > MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
  }
  return context;
}

/**
 * Renders requests of another worker's plan into the shared render cache, exactly as that plan would (same config,
 * same tree, same renderer, so the same cache key). Returns how many rendered; a failure is left for the plan
 * to meet again and report.
 */
export async function renderRequests(
  requests: readonly RenderRequest[],
  options: RenderRequestsOptions,
): Promise<{ rendered: number; failed: number }> {
  const context = await planContextOf(options.repoDir, options.baseSha, options.configExtends);
  if (!context) return { rendered: 0, failed: requests.length };
  const { repo, config, isThisRepo } = context;
  const { baseBranch } = options;
  const renderer = createAppRenderer({
    config,
    cache: new RenderCache({ dir: options.cacheDir }),
    isLocal: localSourceMatcher({ isThisRepo, baseBranch }),
    yamlCache: new YamlCache(),
    env: options.env ?? process.env,
    logger: options.logger ?? silentLogger,
    ...(options.caches ? { caches: options.caches } : {}),
  });
  const trees = openCommitTrees(repo.dir, options.caches ?? new PlanCaches());
  const checkouts: TreeCheckout[] = [];
  const sides = new Map<string, Promise<PlanSide>>();
  const sideOf = (request: RenderRequest): Promise<PlanSide> => {
    const key = `${request.label}:${request.sha}`;
    let side = sides.get(key);
    if (!side) {
      side = trees.tree(request.sha).then((tree) => {
        const opened = openPlanSide(request.label, tree);
        checkouts.push(opened.checkout);
        return opened.side;
      });
      sides.set(key, side);
    }
    return side;
  };
  try {
    const attempts = await Promise.all(
      requests.map(async (request) => renderer.render(await sideOf(request), request.app)),
    );
    const rendered = attempts.filter((a) => a.ok).length;
    return { rendered, failed: attempts.length - rendered };
  } finally {
    trees.close();
    await Promise.all(checkouts.map((checkout) => checkout.dispose()));
  }
}
