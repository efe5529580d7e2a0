import { isRecord } from '../model/kube-object.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './argocd-cluster-secret.ts';
import { metadataOf } from './kube-delivery-context.ts';
import { KubePermanentError } from './kube-errors.ts';
import { describeRef, type KubeRecord, type KubeRef } from './kube-object-client.ts';

/** A cluster Secret someone else made is theirs: never overwrite or delete it. */
export function assertManagedClusterSecret(existing: KubeRecord | undefined, ref: KubeRef): void {
  if (!existing) return;
  const labels = metadataOf(existing).labels;
  if (!isRecord(labels) || labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    throw new KubePermanentError(
      `${describeRef(ref)} exists and is not managed by mergeplane (${MANAGED_BY_LABEL})`,
    );
  }
}
