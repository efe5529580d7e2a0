import type { Octokit } from '@octokit/rest';
import {
  type DeployFailure,
  postDeployFailureComment,
  pullRequestOfCommit,
  renderDeployFailureComment,
} from '../github/deploy-failure-comment.ts';
import { type DeliveryPlan, statusContext, targetLabel } from '../model/delivery-plan.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { type DeliverJobData, mergeRef, type TargetResult } from '../queue/deliver-job.ts';
import type { DeliverStateStore } from '../queue/deliver-state-store.ts';
import { deliverTargetUrl } from './deliver-target-url.ts';

export interface DeliverFailureCommenterOptions {
  store: DeliverStateStore;
  /** Argo CD UI, for the links of the failed targets. */
  argocdUrl?: string;
}

/** Comments a failed delivery on its pull request, once per merge and attempt. */
export type DeliverFailureCommenter = (
  octokit: Octokit,
  data: DeliverJobData,
  plan: DeliveryPlan,
  results: Record<string, TargetResult>,
  jobLog: PlanLogger,
) => Promise<void>;

export function createDeliverFailureCommenter(
  options: DeliverFailureCommenterOptions,
): DeliverFailureCommenter {
  const { store } = options;
  return async (octokit, data, plan, results, jobLog) => {
    const ref = mergeRef({ owner: data.owner, repo: data.repo, sha: data.after });
    const marker = `comment:${ref.owner}/${ref.repo}@${ref.sha}:${data.attempt}`;
    if (!(await store.once(marker))) return;
    try {
      const pullNumber =
        data.pullNumber ??
        (await store.pullNumber(ref)) ??
        (await pullRequestOfCommit(octokit, { ...data, sha: ref.sha }));
      if (pullNumber === undefined) {
        jobLog.info({}, 'delivery failed on a commit without a pull request: no comment');
        return;
      }
      const failures: DeployFailure[] = plan.stages
        .flatMap((s) => s.targets)
        .flatMap((target) => {
          const result = results[target.key];
          if (!result || result.state === 'success') return [];
          const url = deliverTargetUrl(options.argocdUrl, target, plan);
          return [
            {
              label: targetLabel(target),
              context: statusContext(target),
              kind: result.kind === 'not-started' ? ('not-started' as const) : ('failed' as const),
              reason: result.description,
              ...(url !== undefined ? { targetUrl: url } : {}),
            },
          ];
        });
      const body = renderDeployFailureComment({ mergeSha: ref.sha, failures, attempt: data.attempt });
      const { url } = await postDeployFailureComment(octokit, {
        owner: data.owner,
        repo: data.repo,
        pullNumber,
        body,
      });
      jobLog.info({ pullNumber, url }, 'delivery failure commented');
    } catch (error) {
      await store.forgetOnce(marker);
      throw error;
    }
  };
}
