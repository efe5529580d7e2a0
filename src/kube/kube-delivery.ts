import type { KubeConfig } from '@kubernetes/client-node';
import { createApplyClaim } from './apply-claim.ts';
import type { KubeDeliveryContext } from './kube-delivery-context.ts';
import type { KubeDelivery, KubeDeliveryLogger } from './kube-delivery-types.ts';
import { createKubeObjectClient } from './kube-object-client.ts';
import { createRegisterCluster } from './register-cluster.ts';
import { createSyncApplication } from './sync-application.ts';
import { createUnregisterCluster } from './unregister-cluster.ts';
import { createWaitClaimDeleted } from './wait-claim-deleted.ts';
import { waitForObject } from './wait-for-object.ts';

export type {
  ApplyClaimInput,
  ClaimRef,
  DeliveryOutcome,
  DeliveryProgress,
  KubeDelivery,
  KubeDeliveryLogger,
  RegisterClusterInput,
  RegisteredCluster,
  SyncApplicationInput,
  UnregisterClusterInput,
  WaitClaimDeletedInput,
} from './kube-delivery-types.ts';

export interface KubeDeliveryOptions {
  kubeConfig: KubeConfig;
  log?: KubeDeliveryLogger;
  /** Field manager for server-side apply and patches; default `mergeplane`. */
  fieldManager?: string;
  /** Tests shorten the retry delays of requests and watches. */
  retryDelayMs?: number;
  /** Server-side lifetime of each watch request before it is resumed (default 25). */
  watchTimeoutSeconds?: number;
  /** How many times a conditional `.operation` patch is retried after 409 conflicts before giving up (default 10). */
  maxConflicts?: number;
}

const silent: KubeDeliveryLogger = { debug() {}, info() {}, warn() {} };

/** The Kubernetes side of delivery: each operation lives in its own module and shares one context built here. */
export function createKubeDelivery(options: KubeDeliveryOptions): KubeDelivery {
  const retryDelayMs = options.retryDelayMs ?? 100;
  const watchTimeoutSeconds = options.watchTimeoutSeconds;
  const client = createKubeObjectClient({
    kubeConfig: options.kubeConfig,
    fieldManager: options.fieldManager ?? 'mergeplane',
    retryDelayMs,
  });
  const context: KubeDeliveryContext = {
    client,
    log: options.log ?? silent,
    maxConflicts: options.maxConflicts ?? 10,
    waitFor: (wait) => waitForObject({ ...wait, client, retryDelayMs, watchTimeoutSeconds }),
  };
  return {
    syncApplication: createSyncApplication(context),
    applyClaim: createApplyClaim(context),
    waitClaimDeleted: createWaitClaimDeleted(context),
    registerCluster: createRegisterCluster(context),
    unregisterCluster: createUnregisterCluster(context),
  };
}
