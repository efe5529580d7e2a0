/**
 * apiVersions the API server no longer serves, from the Kubernetes deprecation guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/): an object of one of them is refused
 * by a cluster of that version or later, whatever its fields.
 */
interface RemovedApi {
  apiVersion: string;
  kinds: readonly string[];
  /** Minor version of Kubernetes 1.x that stopped serving it. */
  removedIn: number;
  /** What to use instead; undefined when the API has no successor. */
  use?: string;
}

const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'ControllerRevision'];

const REMOVED: readonly RemovedApi[] = [
  {
    apiVersion: 'extensions/v1beta1',
    kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'],
    removedIn: 16,
    use: 'apps/v1',
  },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], removedIn: 16, use: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 16, use: 'policy/v1beta1' },
  { apiVersion: 'apps/v1beta1', kinds: WORKLOADS, removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', kinds: WORKLOADS, removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], removedIn: 22, use: 'networking.k8s.io/v1' },
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    kinds: ['Ingress', 'IngressClass'],
    removedIn: 22,
    use: 'networking.k8s.io/v1',
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    removedIn: 22,
    use: 'admissionregistration.k8s.io/v1',
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kinds: ['CustomResourceDefinition'],
    removedIn: 22,
    use: 'apiextensions.k8s.io/v1',
  },
  {
    apiVersion: 'apiregistration.k8s.io/v1beta1',
    kinds: ['APIService'],
    removedIn: 22,
    use: 'apiregistration.k8s.io/v1',
  },
  {
    apiVersion: 'certificates.k8s.io/v1beta1',
    kinds: ['CertificateSigningRequest'],
    removedIn: 22,
    use: 'certificates.k8s.io/v1',
  },
  {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kinds: ['Lease'],
    removedIn: 22,
    use: 'coordination.k8s.io/v1',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1beta1',
    kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
    removedIn: 22,
    use: 'rbac.authorization.k8s.io/v1',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1beta1',
    kinds: ['PriorityClass'],
    removedIn: 22,
    use: 'scheduling.k8s.io/v1',
  },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
    removedIn: 22,
    use: 'storage.k8s.io/v1',
  },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: 25, use: 'batch/v1' },
  {
    apiVersion: 'discovery.k8s.io/v1beta1',
    kinds: ['EndpointSlice'],
    removedIn: 25,
    use: 'discovery.k8s.io/v1',
  },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], removedIn: 25, use: 'events.k8s.io/v1' },
  {
    apiVersion: 'autoscaling/v2beta1',
    kinds: ['HorizontalPodAutoscaler'],
    removedIn: 25,
    use: 'autoscaling/v2',
  },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], removedIn: 25, use: 'policy/v1' },
  // Replaced by Pod Security Admission, which is not an API object.
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 25 },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], removedIn: 25, use: 'node.k8s.io/v1' },
  {
    apiVersion: 'autoscaling/v2beta2',
    kinds: ['HorizontalPodAutoscaler'],
    removedIn: 26,
    use: 'autoscaling/v2',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    removedIn: 26,
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIStorageCapacity'],
    removedIn: 27,
    use: 'storage.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    removedIn: 29,
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    removedIn: 32,
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
];

const KUBE_VERSION = /^v?1\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/;

/** The minor version of a `1.N` / `v1.N.P` Kubernetes version, or undefined when it is not one. */
export function kubeMinor(kubeVersion: string): number | undefined {
  const match = KUBE_VERSION.exec(kubeVersion);
  return match ? Number(match[1]) : undefined;
}

/** Why a cluster of `kubeVersion` refuses this apiVersion and kind, or undefined when it serves it (as far as known). */
export function removedApiMessage(apiVersion: string, kind: string, kubeVersion: string): string | undefined {
  const minor = kubeMinor(kubeVersion);
  if (minor === undefined) return undefined;
  const removed = REMOVED.find(
    (r) => r.apiVersion === apiVersion && r.kinds.includes(kind) && r.removedIn <= minor,
  );
  if (!removed) return undefined;
  const instead = removed.use !== undefined ? `; use ${removed.use}` : ' with no replacement';
  return `${apiVersion} ${kind} was removed in Kubernetes 1.${removed.removedIn}${instead} (target cluster: Kubernetes ${kubeVersion})`;
}
