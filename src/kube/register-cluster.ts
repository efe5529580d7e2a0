import { isRecord } from '../model/kube-object.ts';
import { buildArgoCdClusterSecret, ClusterKubeconfigError } from './argocd-cluster-secret.ts';
import { assertManagedClusterSecret } from './assert-managed-cluster-secret.ts';
import { type KubeDeliveryContext, secretRef } from './kube-delivery-context.ts';
import type { RegisterClusterInput, RegisteredCluster } from './kube-delivery-types.ts';
import { KubePermanentError, KubeTransientError } from './kube-errors.ts';
import { describeRef, type KubeRecord } from './kube-object-client.ts';

/** Registers a provisioned cluster in Argo CD from its claim's connection secret, as a managed cluster Secret. */
export function createRegisterCluster(
  context: KubeDeliveryContext,
): (input: RegisterClusterInput) => Promise<RegisteredCluster> {
  const { client, log } = context;

  return async function registerCluster(input: RegisterClusterInput): Promise<RegisteredCluster> {
    const key = input.connectionSecret.key ?? 'kubeconfig';
    const connectionRef = secretRef(input.connectionSecret.namespace, input.connectionSecret.name);
    const where = `connection secret ${input.connectionSecret.namespace}/${input.connectionSecret.name}`;
    const fields = {
      cluster: input.clusterName,
      claim: describeRef(input.claim),
      connectionSecret: describeRef(connectionRef),
      key,
    };
    const encodedKubeconfig = (object: KubeRecord | undefined): string | undefined => {
      const data = object && isRecord(object.data) ? object.data : {};
      const value = data[key];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    // Crossplane writes connection details shortly after (not always before) the claim turns Ready.
    const found = await context.waitFor<string>({
      ref: connectionRef,
      deadlineMs: Date.now() + (input.timeoutMs ?? 30_000),
      signal: input.signal,
      check: (object) => {
        const value = encodedKubeconfig(object);
        return value ? { done: true, value } : { done: false };
      },
    });
    if (found.status === 'aborted') throw new KubeTransientError(`aborted while waiting for the ${where}`);
    if (found.status !== 'done') {
      const missing = found.object ? `has no "${key}" key` : 'does not exist';
      throw new KubePermanentError(`${where} ${missing}`, { status: found.object ? undefined : 404 });
    }
    let built: ReturnType<typeof buildArgoCdClusterSecret>;
    try {
      built = buildArgoCdClusterSecret({
        kubeconfigYaml: Buffer.from(found.value, 'base64').toString('utf8'),
        clusterName: input.clusterName,
        namespace: input.argocdNamespace,
        labels: input.labels,
        annotations: input.annotations,
        claim: input.claim,
      });
    } catch (error) {
      if (error instanceof ClusterKubeconfigError) {
        throw new KubePermanentError(`${where} key "${key}": ${error.message}`, { cause: error });
      }
      throw error;
    }
    const targetRef = secretRef(input.argocdNamespace, built.name);
    const existing = await client.get(targetRef);
    assertManagedClusterSecret(existing, targetRef);
    await client.apply(built.secret);
    const created = existing === undefined;
    log.info(
      { ...fields, secret: describeRef(targetRef), server: built.server, auth: built.auth, created },
      'registered the cluster in Argo CD',
    );
    return { name: input.clusterName, server: built.server, created, secretName: built.name };
  };
}
