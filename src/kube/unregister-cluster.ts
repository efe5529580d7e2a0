import { clusterSecretName } from './argocd-cluster-secret.ts';
import { assertManagedClusterSecret } from './assert-managed-cluster-secret.ts';
import { type KubeDeliveryContext, secretRef } from './kube-delivery-context.ts';
import type { UnregisterClusterInput } from './kube-delivery-types.ts';
import { describeRef } from './kube-object-client.ts';

/** Deletes the cluster Secret Mergeplane registered; false when there was none. */
export function createUnregisterCluster(
  context: KubeDeliveryContext,
): (input: UnregisterClusterInput) => Promise<boolean> {
  const { client, log } = context;

  return async function unregisterCluster(input: UnregisterClusterInput): Promise<boolean> {
    const ref = secretRef(input.argocdNamespace, clusterSecretName(input.clusterName));
    const existing = await client.get(ref);
    if (!existing) return false;
    assertManagedClusterSecret(existing, ref);
    const deleted = await client.delete(ref);
    log.info(
      { cluster: input.clusterName, secret: describeRef(ref), deleted },
      'unregistered the cluster from Argo CD',
    );
    return deleted;
  };
}
