import { type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { isRecord, type KubeObject, splitApiVersion } from '../model/kube-object.ts';
import { destinationPermitted, resourceNotPermitted } from './app-project-permits.ts';
import { CLUSTER_SECRET_TYPE_LABEL } from './argocd-cluster-secret.ts';
import {
  accessFromClusterSecret,
  type DestinationAccess,
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  secretMatchesDestination,
} from './destination-cluster-access.ts';
import { KubePermanentError } from './kube-errors.ts';
import { createKubeObjectClient, type KubeObjectClient, type KubeRecord } from './kube-object-client.ts';

/** An application the change adds, as far as reading its destination needs it. */
export interface AddedApp {
  name: string;
  project: string;
  destination: { server?: string; name?: string; namespace?: string };
}

/** The live counterpart of each head object that could be read, and why the others were not. */
export type DestinationLive =
  | {
      kind: 'live';
      /** The destination as the report names it (its Argo CD name or server URL). */
      cluster: string;
      /** Objects that exist live (absent ones: the head object would be created). */
      live: KubeObject[];
      /** Head objects that were deliberately not read (Secrets, kinds the project forbids, past the limit). */
      notRead: { object: KubeObject; reason: string }[];
    }
  | { kind: 'unavailable'; reason: string };

export interface DestinationLiveReader {
  liveObjects(app: AddedApp, head: readonly KubeObject[]): Promise<DestinationLive>;
}

export interface DestinationLiveReaderOptions {
  /** The worker's own kubeconfig (the cluster Argo CD runs in); throws when there is none. */
  kubeConfig: () => KubeConfig;
  argocdNamespace: string;
  /** Per application, for every read of its destination together. Default 30 s. */
  timeoutMs?: number;
  /** Objects read per application; the rest are named as not read. Default 200. */
  maxObjects?: number;
}

/** Reads of one destination at once. */
const CONCURRENT_READS = 4;

class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
}

async function withTimeout<T>(ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ReadTimeoutError(`the cluster did not answer within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Argo CD's cluster Secrets (label `argocd.argoproj.io/secret-type=cluster`) in its namespace. */
async function clusterSecrets(control: KubeObjectClient, namespace: string): Promise<KubeRecord[]> {
  const api = control.kubeConfig.makeApiClient(KubernetesObjectApi);
  const list = await control.request('list Argo CD cluster Secrets', () =>
    api.list(
      'v1',
      'Secret',
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      `${CLUSTER_SECRET_TYPE_LABEL}=cluster`,
    ),
  );
  const items = (list as { items?: unknown }).items;
  return Array.isArray(items) ? items.filter(isRecord) : [];
}

/**
 * The destination's access: the cluster Secret Argo CD holds for it, else Argo CD's own cluster (the worker's
 * kubeconfig). A destination Argo CD does not know is never contacted: a pull request cannot make Mergeplane dial a
 * server of its choosing.
 */
async function destinationAccess(
  control: KubeObjectClient,
  argocdNamespace: string,
  destination: AddedApp['destination'],
): Promise<DestinationAccess> {
  const secret = (await clusterSecrets(control, argocdNamespace)).find((s) =>
    secretMatchesDestination(s, destination),
  );
  if (secret !== undefined) return accessFromClusterSecret(secret);
  const server = destination.server?.replace(/\/+$/, '');
  if (server === IN_CLUSTER_SERVER || (server === undefined && destination.name === IN_CLUSTER_NAME)) {
    return {
      kind: 'access',
      cluster: IN_CLUSTER_NAME,
      server: IN_CLUSTER_SERVER,
      name: IN_CLUSTER_NAME,
      via: 'in-cluster',
    };
  }
  return {
    kind: 'none',
    reason: `Argo CD has no cluster ${destination.server ?? destination.name ?? '(no destination)'} registered`,
  };
}

function refOf(object: KubeObject, defaultNamespace: string) {
  const metadata: Record<string, unknown> = isRecord(object.metadata) ? object.metadata : {};
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== ''
      ? metadata.namespace
      : defaultNamespace;
  return {
    apiVersion: String(object.apiVersion ?? ''),
    kind: String(object.kind ?? ''),
    name: String(metadata.name ?? ''),
    namespace,
  };
}

/**
 * One client of Argo CD's cluster per reader (a plan), made on first use, so its API discovery is made once for all
 * added apps; a kubeconfig that cannot be loaded is tried again by the next app (and named in its note).
 */
function onceClient(kubeConfig: () => KubeConfig): () => KubeObjectClient {
  let client: KubeObjectClient | undefined;
  return () => {
    client ??= createKubeObjectClient({ kubeConfig: kubeConfig(), fieldManager: 'mergeplane', attempts: 2 });
    return client;
  };
}

/**
 * Reads, from an added application's destination cluster, the live object of each object its head renders — with
 * GETs only, never a list or a write. Only what Argo CD would let the application deploy is read: the cluster must
 * be one Argo CD knows, the project (read from Argo CD's namespace) must permit the destination and each object's
 * kind and namespace; Secrets are never read.
 */
export function createDestinationLiveReader(options: DestinationLiveReaderOptions): DestinationLiveReader {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxObjects = options.maxObjects ?? 200;
  const controlClient = onceClient(options.kubeConfig);
  return {
    async liveObjects(app, head) {
      try {
        return await withTimeout(timeoutMs, () => read(app, head));
      } catch (error) {
        if (error instanceof ReadTimeoutError) return { kind: 'unavailable', reason: error.message };
        if (error instanceof KubePermanentError || error instanceof Error) {
          return { kind: 'unavailable', reason: `the cluster could not be read: ${error.message}` };
        }
        throw error;
      }
    },
  };

  async function read(app: AddedApp, head: readonly KubeObject[]): Promise<DestinationLive> {
    const control = controlClient();
    const projectName = app.project === '' ? 'default' : app.project;
    const project = await control.get({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      namespace: options.argocdNamespace,
      name: projectName,
    });
    if (project === undefined)
      return { kind: 'unavailable', reason: `Argo CD has no project ${projectName}` };
    const spec = isRecord(project.spec) ? project.spec : {};
    const access = await destinationAccess(control, options.argocdNamespace, app.destination);
    if (access.kind === 'none') return { kind: 'unavailable', reason: access.reason };
    const where = { server: access.server, ...(access.name === undefined ? {} : { name: access.name }) };
    const namespace = app.destination.namespace ?? '';
    if (!destinationPermitted(spec, { ...where, namespace })) {
      return {
        kind: 'unavailable',
        reason:
          `project ${projectName} does not permit the destination ${access.cluster} ${namespace}`.trim(),
      };
    }
    const target =
      access.kubeConfig === undefined
        ? control
        : createKubeObjectClient({ kubeConfig: access.kubeConfig, fieldManager: 'mergeplane', attempts: 2 });
    const live: KubeObject[] = [];
    const notRead: { object: KubeObject; reason: string }[] = [];
    const limit = pLimit(CONCURRENT_READS);
    await Promise.all(
      head.map((object, index) =>
        limit(async () => {
          const reason = await readOne(object, index);
          if (reason !== undefined) notRead.push({ object, reason });
        }),
      ),
    );
    return { kind: 'live', cluster: access.cluster, live, notRead };

    async function readOne(object: KubeObject, index: number): Promise<string | undefined> {
      const ref = refOf(object, namespace);
      const { group } = splitApiVersion(ref.apiVersion);
      if (ref.kind === 'Secret' && group === '') return 'Secrets are never read from the cluster';
      if (index >= maxObjects) return `only the first ${maxObjects} objects of an application are read`;
      let namespaced: boolean;
      try {
        ({ namespaced } = await target.resolve(ref.apiVersion, ref.kind));
      } catch (error) {
        if (error instanceof KubePermanentError && error.status === 404) {
          return `the cluster does not serve ${ref.kind} (${ref.apiVersion})`;
        }
        throw error;
      }
      const denied =
        resourceNotPermitted(spec, { group, kind: ref.kind, namespaced }) ??
        (namespaced && !destinationPermitted(spec, { ...where, namespace: ref.namespace })
          ? `project ${projectName} does not permit the namespace ${ref.namespace}`
          : undefined);
      if (denied !== undefined) return denied;
      try {
        const current = await target.get(
          namespaced ? ref : { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name },
        );
        if (current !== undefined) live.push(current as KubeObject);
        return undefined;
      } catch (error) {
        if (error instanceof KubePermanentError && error.status === 403) {
          return 'Mergeplane may not read it (its RBAC on the cluster)';
        }
        throw error;
      }
    }
  }
}
