import type { DeliveryPlan } from '../delivery/delivery-plan.ts';
import { planDelivery } from '../delivery/plan-delivery.ts';
import type { RepoCache } from '../git/repo-cache.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import type { MergeInput } from './deliver-job.ts';

/** Plans a merge (git + the planning engine); replaceable for tests and dry runs. */
export type DeliveryPlanner = (
  input: MergeInput & { token: string; log: PlanLogger },
) => Promise<DeliveryPlan>;

export interface DeliveryPlannerOptions {
  repoCache: RepoCache;
  /** Render cache directory for planning; `false` keeps it in memory. */
  cacheDir?: string | false;
}

/** The production planner: syncs the shared clone with the installation token, then runs `planDelivery`. */
export function createDeliveryPlanner(options: DeliveryPlannerOptions): DeliveryPlanner {
  return async (input) => {
    const repository = await options.repoCache.sync({
      owner: input.owner,
      repo: input.repo,
      token: input.token,
      refs: [input.after, ...(input.before ? [input.before] : [])],
    });
    const before = input.before ?? (await repository.resolve(`${input.after}^`));
    return planDelivery({
      repoDir: repository.dir,
      before,
      after: input.after,
      ...(input.baseBranch !== undefined ? { baseBranch: input.baseBranch } : {}),
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      logger: input.log,
    });
  };
}
