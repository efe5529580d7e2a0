import { isRecord, type KubeObject, splitApiVersion } from '../model/kube-object.ts';

export interface ResourceId {
  group: string;
  version: string;
  kind: string;
  /** `''` for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

/**
 * Kinds that are cluster-scoped, as `group/kind` (core group is `''`). Rendered manifests carry no
 * discovery information, so scope comes from this list (plus CRDs found among the manifests, see
 * `clusterScopedCrdKinds`); any other kind is treated as namespaced, which is what most CRDs are.
 *
 * - core: Namespace, Node, PersistentVolume, ComponentStatus
 * - rbac.authorization.k8s.io: ClusterRole, ClusterRoleBinding
 * - apiextensions.k8s.io: CustomResourceDefinition; apiregistration.k8s.io: APIService
 * - admissionregistration.k8s.io: Validating/MutatingWebhookConfiguration,
 *   Validating/MutatingAdmissionPolicy(Binding)
 * - scheduling.k8s.io: PriorityClass; node.k8s.io: RuntimeClass
 * - networking.k8s.io: IngressClass, IPAddress, ServiceCIDR
 * - storage.k8s.io: StorageClass, CSIDriver, CSINode, VolumeAttachment, VolumeAttributesClass
 * - snapshot.storage.k8s.io: VolumeSnapshotClass, VolumeSnapshotContent
 * - certificates.k8s.io: CertificateSigningRequest, ClusterTrustBundle
 * - flowcontrol.apiserver.k8s.io: FlowSchema, PriorityLevelConfiguration
 * - resource.k8s.io: DeviceClass, ResourceSlice
 * - authentication/authorization.k8s.io: TokenReview, SelfSubjectReview, SubjectAccessReview,
 *   SelfSubjectAccessReview, SelfSubjectRulesReview
 * - Crossplane apiextensions.crossplane.io: CompositeResourceDefinition, Composition,
 *   CompositionRevision, EnvironmentConfig; pkg.crossplane.io: Provider, ProviderRevision, Function,
 *   FunctionRevision, Configuration, ConfigurationRevision, DeploymentRuntimeConfig, ControllerConfig,
 *   ImageConfig; ops.crossplane.io: Operation, CronOperation, WatchOperation; protection.crossplane.io:
 *   ClusterUsage; any group: ProviderConfig and ProviderConfigUsage (cluster-scoped in Crossplane v1
 *   provider families) unless the group is a v2 namespaced one (`*.m.*`, e.g. `aws.m.upbound.io`),
 *   ClusterProviderConfig
 * - common add-ons: cert-manager.io ClusterIssuer; external-secrets.io ClusterSecretStore,
 *   ClusterExternalSecret; kyverno.io ClusterPolicy; templates.gatekeeper.sh ConstraintTemplate
 * - Argo CD (argoproj.io): none — Application, ApplicationSet and AppProject are namespaced.
 */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set(
  Object.entries({
    '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
    'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
    'apiextensions.k8s.io': ['CustomResourceDefinition'],
    'apiregistration.k8s.io': ['APIService'],
    'admissionregistration.k8s.io': [
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'MutatingAdmissionPolicy',
      'MutatingAdmissionPolicyBinding',
    ],
    'scheduling.k8s.io': ['PriorityClass'],
    'node.k8s.io': ['RuntimeClass'],
    'networking.k8s.io': ['IngressClass', 'IPAddress', 'ServiceCIDR'],
    'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'VolumeAttributesClass'],
    'snapshot.storage.k8s.io': ['VolumeSnapshotClass', 'VolumeSnapshotContent'],
    'certificates.k8s.io': ['CertificateSigningRequest', 'ClusterTrustBundle'],
    'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
    'resource.k8s.io': ['DeviceClass', 'ResourceSlice'],
    'authentication.k8s.io': ['TokenReview', 'SelfSubjectReview'],
    'authorization.k8s.io': ['SubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview'],
    'apiextensions.crossplane.io': [
      'CompositeResourceDefinition',
      'Composition',
      'CompositionRevision',
      'EnvironmentConfig',
    ],
    'pkg.crossplane.io': [
      'Provider',
      'ProviderRevision',
      'Function',
      'FunctionRevision',
      'Configuration',
      'ConfigurationRevision',
      'DeploymentRuntimeConfig',
      'ControllerConfig',
      'ImageConfig',
    ],
    'ops.crossplane.io': ['Operation', 'CronOperation', 'WatchOperation'],
    'protection.crossplane.io': ['ClusterUsage'],
    'cert-manager.io': ['ClusterIssuer'],
    'external-secrets.io': ['ClusterSecretStore', 'ClusterExternalSecret'],
    'kyverno.io': ['ClusterPolicy'],
    'templates.gatekeeper.sh': ['ConstraintTemplate'],
  }).flatMap(([group, kinds]) => kinds.map((kind) => groupKind(group, kind))),
);

/** Crossplane provider configs: cluster-scoped except in v2 namespaced API groups (`<provider>.m.<domain>`). */
const PROVIDER_CONFIG_KINDS: ReadonlySet<string> = new Set([
  'ProviderConfig',
  'ProviderConfigUsage',
  'ClusterProviderConfig',
  'ClusterProviderConfigUsage',
]);

function groupKind(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/**
 * Whether a kind is cluster-scoped. `extra` holds further `group/kind` entries (see
 * `clusterScopedCrdKinds`), so CRDs shipped alongside their resources get the right scope.
 */
export function isClusterScoped(group: string, kind: string, extra?: ReadonlySet<string>): boolean {
  const key = groupKind(group, kind);
  if (CLUSTER_SCOPED.has(key) || extra?.has(key)) return true;
  if (PROVIDER_CONFIG_KINDS.has(kind) && group !== '') {
    return kind.startsWith('Cluster') || !group.split('.').includes('m');
  }
  return false;
}

/** `group/kind` of every CustomResourceDefinition among the objects whose `spec.scope` is `Cluster`. */
export function clusterScopedCrdKinds(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const obj of objects) {
    if (obj.kind !== 'CustomResourceDefinition') continue;
    if (splitApiVersion(obj.apiVersion).group !== 'apiextensions.k8s.io') continue;
    const spec = obj.spec;
    if (!isRecord(spec) || spec.scope !== 'Cluster' || typeof spec.group !== 'string') continue;
    const names = spec.names;
    if (isRecord(names) && typeof names.kind === 'string') out.add(groupKind(spec.group, names.kind));
  }
  return out;
}

/**
 * Identity of a rendered object. Namespaced kinds without `metadata.namespace` land in
 * `defaultNamespace` (the Application's destination namespace), as Argo CD applies them.
 */
export function resourceId(
  obj: KubeObject,
  defaultNamespace: string,
  extra?: ReadonlySet<string>,
): ResourceId {
  const { group, version } = splitApiVersion(String(obj.apiVersion ?? ''));
  const kind = String(obj.kind ?? '');
  const metadata: Record<string, unknown> = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : String(metadata.name ?? '');
  let namespace = '';
  if (!isClusterScoped(group, kind, extra)) {
    namespace =
      typeof metadata.namespace === 'string' && metadata.namespace !== ''
        ? metadata.namespace
        : defaultNamespace;
  }
  return { group, version, kind, namespace, name };
}

/** `group/kind/namespace/name`: the version is left out so an apiVersion bump pairs as an update. */
export function resourceKey(id: ResourceId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}
