import type { Octokit } from '@octokit/rest';
import type { Probot } from 'probot';
import type { RepoCache } from '../git/repo-cache.ts';
import { readPullRequestHead } from '../github/pull-request-head.ts';
import { requestStatus } from '../github/request-status.ts';
import type { WriteBudget } from '../github/write-budget.ts';
import type { LiveReader } from '../kube/argocd-live-reader.ts';
import type { DestinationLiveReader } from '../kube/destination-live-reader.ts';
import type { PlanCaches } from '../model/plan-caches.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { PermanentPlanError } from '../queue/permanent-plan-error.ts';
import type { PlanJobData } from '../queue/plan-job.ts';
import type { PlanJobContext } from '../queue/plan-worker.ts';
import { type RunPlanJobDeps, runPlanJob } from './run-plan-job.ts';

export interface PlanProcessorOptions {
  probot: Pick<Probot, 'auth'>;
  repoCache: RepoCache;
  /** Render cache directory; default: `planChange`'s (MERGEPLANE_CACHE_DIR, else the user cache). */
  cacheDir?: string;
  /** The worker process's plan caches, shared by its jobs (a second push reads only what changed). */
  caches?: PlanCaches;
  /** The render farm of a repository's plans (render jobs every plan worker takes). */
  farmFor?: RunPlanJobDeps['farmFor'];
  /** The App's bot login, so only its comments count as plan parts. */
  appUserLogin: () => Promise<string>;
  /** The App's id: an unfinished plan check run of the head by this App is taken over. */
  appId?: number;
  /** Argo CD's live view for `plan.live` (MERGEPLANE_ARGOCD_URL and MERGEPLANE_ARGOCD_TOKEN). */
  liveReader?: LiveReader;
  /** Reads added apps' destination clusters for `plan.live` (with the Argo CD reader only). */
  destinationsFor?: (argocdNamespace: string) => DestinationLiveReader;
  /** MERGEPLANE_PROGRESS_INTERVAL_MS (see `RunPlanJobDeps.progressIntervalMs`). */
  progressIntervalMs?: number;
  /** The process's budget of progress updates, per installation. */
  progressBudget?: WriteBudget;
}

/** Thrown when the token endpoint answers without a token: nothing a retry would change. */
export class InstallationTokenError extends Error {
  override readonly name = 'InstallationTokenError';
}

function withFields(log: PlanLogger, fields: Record<string, unknown>): PlanLogger {
  return {
    debug: (meta, message) => log.debug({ ...fields, ...meta }, message),
    info: (meta, message) => log.info({ ...fields, ...meta }, message),
    warn: (meta, message) => log.warn({ ...fields, ...meta }, message),
  };
}

/**
 * The installation token behind an installation Octokit (Probot caches it for its hour), for git over HTTPS.
 * 404: the installation is gone (App uninstalled); that does not get better with retries.
 */
export async function installationToken(
  octokit: { auth(options: { type: 'installation' }): Promise<unknown> },
  installationId: number,
): Promise<string> {
  let auth: unknown;
  try {
    auth = await octokit.auth({ type: 'installation' });
  } catch (error) {
    if (requestStatus(error) === 404) {
      throw new PermanentPlanError(`installation ${installationId} not found (the App was uninstalled)`, {
        cause: error,
      });
    }
    throw error;
  }
  if (typeof auth === 'object' && auth !== null && 'token' in auth && typeof auth.token === 'string') {
    return auth.token;
  }
  throw new InstallationTokenError(`no token for installation ${installationId}`);
}

/**
 * The plan worker's job function: authenticates as the job's installation (Probot's Octokit, with its retry
 * and throttling plugins) and hands plain inputs to `runPlanJob`. New dependencies of `runPlanJob` are wired
 * here and nowhere else.
 */
export function createPlanProcessor(
  options: PlanProcessorOptions,
): (data: PlanJobData, context: PlanJobContext) => Promise<void> {
  const budget = options.progressBudget;
  return async (data, context) => {
    const logger = withFields(context.log, {
      deliveryId: data.deliveryId,
      installationId: data.installationId,
    });
    const octokit = await options.probot.auth(data.installationId);
    const token = await installationToken(octokit, data.installationId);
    await runPlanJob(data, {
      // Probot's Octokit carries the same REST methods and `paginate` as @octokit/rest's (its plugins are a
      // superset), but the two classes' types are declared separately.
      octokit: octokit as unknown as Octokit,
      token,
      repoCache: options.repoCache,
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.caches === undefined ? {} : { caches: options.caches }),
      ...(options.farmFor === undefined ? {} : { farmFor: options.farmFor }),
      logger,
      currentHead: (job) => readPullRequestHead(octokit as unknown as Octokit, job),
      confirmHead: context.confirmHead,
      planCurrentHead: (current) =>
        context.enqueue({
          deliveryId: data.deliveryId,
          installationId: data.installationId,
          owner: data.owner,
          repo: data.repo,
          pullNumber: data.pullNumber,
          headSha: current.headSha,
          baseRef: current.baseRef,
          headRef: current.headRef,
          trigger: 'pull_request',
          ...(current.author === undefined ? {} : { author: current.author }),
        }),
      finalAttempt: context.finalAttempt,
      publishExclusively: context.publishExclusively,
      approvals: context.approvals,
      planItems: context.planItems,
      ...(options.liveReader === undefined ? {} : { liveReader: options.liveReader }),
      ...(options.destinationsFor === undefined ? {} : { destinationsFor: options.destinationsFor }),
      appUserLogin: await options.appUserLogin(),
      ...(options.appId === undefined ? {} : { appId: options.appId }),
      ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
      ...(budget === undefined ? {} : { progressBudget: () => budget.take(String(data.installationId)) }),
    });
  };
}
