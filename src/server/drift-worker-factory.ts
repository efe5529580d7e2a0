import type { KubeConfig } from '@kubernetes/client-node';
import type { Octokit } from '@octokit/rest';
import type { Probot } from 'probot';
import { createDriftRecorder } from '../drift/record-drift.ts';
import { runDriftJob } from '../drift/run-drift-job.ts';
import { argocdApplicationUrl } from '../github/commit-status.ts';
import { createDriftLiveReader } from '../kube/drift-live-reader.ts';
import { createKubeObjectClient } from '../kube/kube-object-client.ts';
import type { DriftRecorder } from '../model/drift.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';
import { createDeliverQueue } from '../queue/deliver-queue.ts';
import { createDriftQueue, createDriftWorker, hasUnfinishedDelivery } from '../queue/drift-queue.ts';
import { createDriftStore } from '../queue/drift-store.ts';
import { createRedisClient, type RedisConnection } from '../queue/redis-connection.ts';
import { createAppUserLogin } from './app-user-login.ts';
import { createKubeDeliveryByContext } from './kube-delivery-by-context.ts';

export interface DriftRuntime {
  /** For the delivery worker: records each merge's definitions and (un)schedules the repository's checks. */
  recordDrift: DriftRecorder;
  pause(): Promise<void>;
  close(force: boolean): Promise<void>;
}

/**
 * The drift checks, run by the delivery worker (it has the cluster access they read with): the repository's job
 * scheduler adds a check every `drift.intervalMinutes`, `/mergeplane drift` one more.
 */
export function startDriftRuntime(o: {
  connection: RedisConnection;
  prefix: string;
  probot: Probot;
  kubeConfig: KubeConfig;
  argocdUrl: string | undefined;
  log: PlanLogger & { child(bindings: Record<string, unknown>): PlanLogger };
  /** Tests move time. */
  now?: () => Date;
}): DriftRuntime {
  const redis = createRedisClient(o.connection);
  const store = createDriftStore({ redis, prefix: o.prefix });
  const queue = createDriftQueue({ connection: o.connection, prefix: o.prefix });
  const deliverQueue = createDeliverQueue({ connection: o.connection, prefix: o.prefix });
  const appLogin = createAppUserLogin(o.probot);
  // One read-only client per kubeconfig context the repositories name (`delivery.kubeContext`).
  const client = (kubeConfig: KubeConfig) =>
    createKubeObjectClient({ kubeConfig, fieldManager: 'mergeplane' });
  const byContext = createKubeDeliveryByContext({ kubeConfig: o.kubeConfig, create: client });
  const current = client(o.kubeConfig);
  const clientFor = (kubeContext: string | undefined) =>
    kubeContext === undefined || byContext === undefined ? current : byContext(kubeContext);
  const worker = createDriftWorker({
    connection: o.connection,
    prefix: o.prefix,
    log: o.log,
    run: async (data, jobId) => {
      await runDriftJob(data, {
        store,
        octokitFor: async (installationId) => (await o.probot.auth(installationId)) as unknown as Octokit,
        appLogin,
        liveFor: (kubeContext) => createDriftLiveReader(clientFor(kubeContext)),
        deliveryPending: (repo) => hasUnfinishedDelivery(deliverQueue.queue, repo),
        appLink: (app) => argocdApplicationUrl(o.argocdUrl, app),
        ...(o.now === undefined ? {} : { now: o.now }),
        log: o.log.child({ jobId, repo: `${data.owner}/${data.repo}`, deliveryId: data.deliveryId }),
      });
    },
  });
  return {
    recordDrift: createDriftRecorder({ store, queue }),
    pause: () => worker.worker.pause(),
    async close(force) {
      await worker.close(force);
      await Promise.all([queue.close(), deliverQueue.close()]);
      redis.disconnect();
    },
  };
}
