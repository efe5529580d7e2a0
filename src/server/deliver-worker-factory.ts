import type { Octokit } from '@octokit/rest';
import { createDeliverWorker, type DeliverWorkerOptions } from '../delivery/deliver-worker.ts';
import { createRepoCache } from '../git/repo-cache.ts';
import { createKubeDelivery } from '../kube/kube-delivery.ts';
import { installationToken } from '../plan-job/create-plan-processor.ts';
import { startDriftRuntime } from './drift-worker-factory.ts';
import { createKubeDeliveryByContext } from './kube-delivery-by-context.ts';
import { defaultRepoCacheDir, gitBaseUrl } from './plan-worker-factory.ts';
import { StartupError } from './startup-error.ts';
import type { ManagedWorker, RuntimeContext } from './worker-factory.ts';

/**
 * The post-merge delivery worker: plans each merge from the shared clone cache and drives Argo CD and Crossplane
 * through the cluster in `context.delivery`. Without a Kubernetes configuration it is not started (`auto`), or
 * the start fails (`on`: this process was asked to deliver and cannot).
 */
/** Queue-level settings of the delivery worker (defaults are the production ones; tests shorten them). */
export type DeliverWorkerTuning = Partial<
  Pick<
    DeliverWorkerOptions,
    | 'plannerConcurrency'
    | 'lockDuration'
    | 'stalledInterval'
    | 'maxStalledCount'
    | 'watchdogIntervalMs'
    | 'statusGraceMs'
    | 'appLockTtlMs'
    | 'lockRetryDelayMs'
    | 'retry'
    | 'progressIntervalMs'
    | 'supersedeCheckMs'
  >
>;

export function createDeliverWorkerFactory(
  tuning: DeliverWorkerTuning = {},
): (context: RuntimeContext) => ManagedWorker | undefined {
  return (context) => {
    const { env, probot, logger, delivery } = context;
    if (delivery.kubeConfig === undefined) {
      if (env.delivery === 'on') {
        throw new StartupError(
          `MERGEPLANE_DELIVERY is on but this worker has ${delivery.reason ?? 'no Kubernetes configuration'}`,
        );
      }
      logger.info({ reason: delivery.reason }, 'post-merge delivery worker not started');
      return undefined;
    }
    const log = logger.child({ component: 'deliver-worker' });
    const kubeFor = createKubeDeliveryByContext({
      kubeConfig: delivery.kubeConfig,
      create: (kubeConfig) =>
        createKubeDelivery({ kubeConfig, log: log.child({ kubeContext: kubeConfig.getCurrentContext() }) }),
    });
    const drift = startDriftRuntime({
      connection: context.workerConnection,
      prefix: env.queuePrefix,
      probot,
      kubeConfig: delivery.kubeConfig,
      argocdUrl: env.argocdUrl,
      log: logger.child({ component: 'drift-worker' }),
    });
    const deliverWorker = createDeliverWorker({
      lockDuration: env.workers.lockDurationMs,
      stalledInterval: env.workers.stalledIntervalMs,
      ...tuning,
      connection: context.workerConnection,
      prefix: env.queuePrefix,
      concurrency: env.workers.concurrency,
      deps: {
        // Probot's Octokit carries @octokit/rest's REST methods plus its retry and throttling plugins.
        octokitFor: async (installationId) => (await probot.auth(installationId)) as unknown as Octokit,
        tokenFor: async (installationId) =>
          installationToken(await probot.auth(installationId), installationId),
        repoCache: createRepoCache({
          dir: env.repoCacheDir ?? defaultRepoCacheDir(),
          baseUrl: gitBaseUrl(env.github.baseUrl),
        }),
        kube: createKubeDelivery({ kubeConfig: delivery.kubeConfig, log }),
        ...(kubeFor === undefined ? {} : { kubeFor }),
        log,
        ...(env.argocdUrl === undefined ? {} : { argocdUrl: env.argocdUrl }),
        ...(env.cacheDir === undefined ? {} : { cacheDir: env.cacheDir }),
        recordDrift: drift.recordDrift,
      },
    });
    return {
      name: 'deliver',
      pause: async () => {
        await Promise.all([deliverWorker.pause(), drift.pause()]);
      },
      close: async (force) => {
        await Promise.all([deliverWorker.close(force), drift.close(force)]);
      },
    };
  };
}
