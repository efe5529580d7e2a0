import { ApplicationSetError } from '../gitops/applicationset/application-set-error.ts';
import {
  expandApplicationSet,
  type GeneratorContext,
} from '../gitops/applicationset/expand-application-set.ts';
import type { ClusterEntry } from '../gitops/cluster.ts';
import { stringMap } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import type { ClaimReport, ClusterTarget } from '../model/plan-report.ts';

/*
 * How a claim describes the Argo CD cluster it yields (all optional, on the claim's metadata):
 *   mergeplane.io/cluster-name: prod-ap                  cluster name (default: the claim's name)
 *   mergeplane.io/cluster-server: https://…              API server URL (default: known after apply)
 *   mergeplane.io/cluster-label.workload-cluster: "true" one cluster label per annotation
 *   mergeplane.io/cluster-labels: region,tier            claim metadata.labels copied onto the cluster
 * These are the labels the registered cluster Secret carries, which clusters generator selectors match.
 */
export const CLUSTER_NAME_ANNOTATION = 'mergeplane.io/cluster-name';
export const CLUSTER_SERVER_ANNOTATION = 'mergeplane.io/cluster-server';
export const CLUSTER_LABEL_ANNOTATION_PREFIX = 'mergeplane.io/cluster-label.';
export const CLUSTER_LABELS_ANNOTATION = 'mergeplane.io/cluster-labels';

export interface ApplicationSetInput {
  object: Record<string, unknown>;
  file?: string;
  /** Namespace of the ApplicationSet when its manifest has none (as collected); default `argocd`. */
  namespace?: string;
}

export interface RegisteredCluster {
  entry: ClusterEntry;
  /** False when the server URL is a placeholder: the real one is known only after apply. */
  serverKnown: boolean;
}

export interface ClusterTargets {
  cluster: RegisteredCluster;
  targets: ClusterTarget[];
  /** ApplicationSets that could not be evaluated, and why. */
  notes: string[];
}

/** The cluster entry a claim's cluster will have once Mergeplane registers it (see the convention above). */
export function registeredCluster(claimObject: Record<string, unknown>): RegisteredCluster {
  const metadata = isRecord(claimObject.metadata) ? claimObject.metadata : {};
  const annotations = stringMap(metadata.annotations);
  const claimLabels = stringMap(metadata.labels);
  const name =
    annotations[CLUSTER_NAME_ANNOTATION] || (typeof metadata.name === 'string' ? metadata.name : '');
  const server = annotations[CLUSTER_SERVER_ANNOTATION];
  const labels: Record<string, string> = {};
  for (const key of (annotations[CLUSTER_LABELS_ANNOTATION] ?? '').split(',')) {
    const label = key.trim();
    if (label !== '' && Object.hasOwn(claimLabels, label)) labels[label] = claimLabels[label]!;
  }
  for (const [key, value] of Object.entries(annotations)) {
    if (
      key.startsWith(CLUSTER_LABEL_ANNOTATION_PREFIX) &&
      key.length > CLUSTER_LABEL_ANNOTATION_PREFIX.length
    ) {
      labels[key.slice(CLUSTER_LABEL_ANNOTATION_PREFIX.length)] = value;
    }
  }
  return {
    entry: { name, server: server || `https://${name}.cluster.invalid`, labels, annotations: {} },
    serverKnown: Boolean(server),
  };
}

function appKeys(apps: readonly Record<string, unknown>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const app of apps) {
    const metadata = isRecord(app.metadata) ? app.metadata : {};
    const name = String(metadata.name ?? '');
    out.set(`${String(metadata.namespace ?? '')}/${name}`, name);
  }
  return out;
}

/**
 * Which ApplicationSets will generate apps on the cluster a claim registers with Argo CD: each one is
 * expanded with the current cluster registry and again with the claim's cluster added, and the apps
 * only the second expansion yields are the ones the new cluster gets. ApplicationSets that cannot be
 * expanded offline are skipped with a note. Empty for a claim that registers no cluster or is deleted,
 * and when the registry already holds a cluster with the same name or server.
 */
export function clusterTargets(o: {
  claim: ClaimReport;
  claimObject: Record<string, unknown>;
  applicationSets: readonly ApplicationSetInput[];
  clusters: readonly ClusterEntry[];
  /** The revision git generators read: a checkout directory or a tree's view. */
  root: GeneratorContext['root'];
  isThisRepo: (url: string) => boolean;
}): ClusterTargets {
  const cluster = registeredCluster(o.claimObject);
  const result: ClusterTargets = { cluster, targets: [], notes: [] };
  if (!o.claim.registersCluster || o.claim.action === 'delete' || cluster.entry.name === '') return result;
  const existing = o.clusters.find(
    (c) => c.name === cluster.entry.name || (cluster.serverKnown && c.server === cluster.entry.server),
  );
  if (existing) {
    result.notes.push(
      `cluster ${cluster.entry.name} is already registered (${existing.name} ${existing.server}): no new ApplicationSet targets`,
    );
    return result;
  }
  const before = [...o.clusters];
  const after = [...o.clusters, cluster.entry];
  for (const appset of o.applicationSets) {
    const metadata = isRecord(appset.object.metadata) ? appset.object.metadata : {};
    const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : '(unnamed)';
    const namespace =
      typeof metadata.namespace === 'string' && metadata.namespace !== ''
        ? metadata.namespace
        : (appset.namespace ?? 'argocd');
    const object = { ...appset.object, metadata: { ...metadata, namespace } };
    let added: string[];
    try {
      const without = appKeys(
        expandApplicationSet(object, { root: o.root, clusters: before, isThisRepo: o.isThisRepo }),
      );
      const withCluster = appKeys(
        expandApplicationSet(object, { root: o.root, clusters: after, isThisRepo: o.isThisRepo }),
      );
      added = [...withCluster].filter(([key]) => !without.has(key)).map(([, app]) => app);
    } catch (error) {
      if (!(error instanceof ApplicationSetError)) throw error;
      result.notes.push(
        `cluster targets not evaluated for ${error.message}${appset.file !== undefined ? ` (${appset.file})` : ''}`,
      );
      continue;
    }
    if (added.length > 0) result.targets.push({ applicationSet: name, apps: added.sort() });
  }
  result.targets.sort((x, y) =>
    x.applicationSet < y.applicationSet ? -1 : x.applicationSet > y.applicationSet ? 1 : 0,
  );
  return result;
}

/** The claim with its registered cluster, cluster targets and skip notes recorded (report fields). */
export function withClusterTargets(claim: ClaimReport, result: ClusterTargets): ClaimReport {
  if (!claim.registersCluster) return claim;
  const notes = [...(claim.notes ?? []), ...result.notes];
  return {
    ...claim,
    cluster: {
      name: result.cluster.entry.name,
      ...(result.cluster.serverKnown ? { server: result.cluster.entry.server } : {}),
    },
    clusterTargets: result.targets,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * The manifest of a claim among one revision's objects (repository scan and rendered output), matched
 * by apiVersion, kind, name and namespace; an object without a namespace matches through its
 * destination namespace or any namespace.
 */
export function findClaimObject(
  objects: readonly { object: Record<string, unknown>; namespace?: string }[],
  claim: Pick<ClaimReport, 'apiVersion' | 'kind' | 'namespace' | 'name'>,
): Record<string, unknown> | undefined {
  return objects.find(({ object, namespace }) => {
    if (object.apiVersion !== claim.apiVersion || object.kind !== claim.kind) return false;
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    if (metadata.name !== claim.name) return false;
    const ns =
      typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : namespace;
    return ns === undefined || ns === claim.namespace;
  })?.object;
}
