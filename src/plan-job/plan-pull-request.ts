import { type PlannedChange, planChangeWithContext } from '../engine/plan-change.ts';
import type { GitRepository } from '../git/git-repository.ts';
import { isPermanentGitError, type RepoCache } from '../git/repo-cache.ts';
import { repoCacheConfigReader } from '../git/repo-cache-config-reader.ts';
import type { PlanCaches } from '../model/plan-caches.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { PlanProgress } from '../plan/plan-progress.ts';
import type { RenderFarm } from '../plan/render-farm.ts';
import { PermanentPlanError } from '../queue/permanent-plan-error.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import type { RenderRepository } from '../queue/render-queue.ts';
import { installationRepositories } from './installation-repositories.ts';

export interface PlanPullRequestDeps {
  /** Installation token (contents: read), for git only. */
  token: string;
  repoCache: RepoCache;
  cacheDir?: string | false;
  caches?: PlanCaches;
  /** The render farm for this repository's plans (the render queue); none: the plan renders alone. */
  farmFor?: (repository: RenderRepository) => RenderFarm;
  logger: PlanLogger;
  /** The config's path at the base (the Action's `config` input); default `.github/mergeplane.yml`. */
  configPath?: string;
  /** Told how far the plan got (the check run's in-progress output). */
  progress?: PlanProgress;
  /**
   * A token for the repositories `_extends` names when `token` cannot read them (the Action's `config-token`: the
   * workflow's token reads only its own repository); default `token`.
   */
  configToken?: string;
}

export interface PlannedPullRequest extends PlannedChange {
  repository: GitRepository;
  baseSha: string;
}

/**
 * Fetches the pull request's head (`refs/pull/N/head` of the BASE repository, so a fork's head comes
 * through the same read-only installation token and nothing of the fork's is trusted) and its base branch,
 * then plans base → head. Shared by plan and diff jobs.
 */
export async function planPullRequest(
  data: PlanJobData,
  deps: PlanPullRequestDeps,
): Promise<PlannedPullRequest> {
  const { owner, repo, pullNumber, headSha, baseRef } = data;
  const started = performance.now();
  let repository: GitRepository;
  let baseSha: string;
  try {
    repository = await deps.repoCache.sync({
      owner,
      repo,
      token: deps.token,
      refs: [`refs/pull/${pullNumber}/head`, baseRef],
    });
    baseSha = await repository.resolve(`origin/${baseRef}`);
    await repository.resolve(headSha);
  } catch (error) {
    // A repository, branch or head that is gone, or a token git is refused with, stays so: fail once.
    if (isPermanentGitError(error)) {
      throw new PermanentPlanError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    throw error;
  }
  deps.logger.debug(
    { owner, repo, pullNumber, headSha, baseSha, ms: Math.round(performance.now() - started) },
    'plan checkout synced',
  );
  // The SHA pins the base against concurrent syncs of this clone; the PR's base branch is what its
  // Applications must track (a SHA alone says nothing about it).
  const planned = await planCommits(repository, { baseSha, baseRef, headSha }, data, deps);
  return { ...planned, repository, baseSha };
}

/** Plans two fetched commits of the job's repository with the worker's caches, farm and installation's repositories. */
export function planCommits(
  repository: GitRepository,
  commits: { baseSha: string; baseRef: string; headSha: string },
  data: Pick<PlanJobData, 'owner' | 'repo' | 'installationId'>,
  deps: PlanPullRequestDeps,
): Promise<PlannedChange> {
  const { owner, repo } = data;
  return planChangeWithContext({
    repoDir: repository.dir,
    base: commits.baseSha,
    baseBranch: commits.baseRef,
    head: commits.headSha,
    logger: deps.logger,
    remoteRepositories: installationRepositories({ repoCache: deps.repoCache, token: deps.token }),
    configExtends: repoCacheConfigReader({
      repoCache: deps.repoCache,
      token: deps.configToken ?? deps.token,
      owner,
    }),
    ...(deps.cacheDir === undefined ? {} : { cacheDir: deps.cacheDir }),
    ...(deps.caches === undefined ? {} : { caches: deps.caches }),
    ...(deps.configPath === undefined ? {} : { configPath: deps.configPath }),
    ...(deps.progress === undefined ? {} : { progress: deps.progress }),
    ...(deps.farmFor === undefined
      ? {}
      : { farm: deps.farmFor({ owner, repo, installationId: data.installationId }) }),
  });
}
