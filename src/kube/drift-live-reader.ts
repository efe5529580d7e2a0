import { KubernetesObjectApi } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { appKey, claimKey, type DriftDefinitions } from '../model/drift.ts';
import { isRecord } from '../model/kube-object.ts';
import { KubePermanentError } from './kube-errors.ts';
import type { KubeObjectClient, KubeRecord } from './kube-object-client.ts';

/** The live side of a drift check: each defined app and claim as the cluster holds it (undefined: absent). */
export interface DriftLive {
  apps: Map<string, KubeRecord | undefined>;
  claims: Map<string, KubeRecord | undefined>;
  /** Items that could not be read (forbidden, kind not served), by key, with why. */
  unreadable: Map<string, string>;
}

export interface DriftLiveReader {
  read(definitions: DriftDefinitions): Promise<DriftLive>;
}

const CONCURRENT_READS = 8;

/**
 * Reads what a drift check compares: the Applications with one list per namespace (read-only `list`, which
 * deploy/rbac.yaml grants in Argo CD's namespace), each claim or XR with a `get`.
 */
export function createDriftLiveReader(client: KubeObjectClient): DriftLiveReader {
  const api = client.kubeConfig.makeApiClient(KubernetesObjectApi);
  return {
    async read(definitions) {
      const live: DriftLive = { apps: new Map(), claims: new Map(), unreadable: new Map() };
      const namespaces = [...new Set(definitions.apps.map((app) => app.namespace))];
      for (const namespace of namespaces) {
        const apps = definitions.apps.filter((app) => app.namespace === namespace);
        try {
          const list = await client.request(`list Applications in ${namespace}`, () =>
            api.list('argoproj.io/v1alpha1', 'Application', namespace),
          );
          const items = JSON.parse(JSON.stringify((list as { items?: unknown }).items ?? [])) as unknown;
          const byName = new Map<string, KubeRecord>();
          for (const item of Array.isArray(items) ? items.filter(isRecord) : []) {
            const name = isRecord(item.metadata) ? item.metadata.name : undefined;
            if (typeof name === 'string') byName.set(name, item);
          }
          for (const app of apps) live.apps.set(appKey(app), byName.get(app.name));
        } catch (error) {
          if (!(error instanceof KubePermanentError)) throw error;
          for (const app of apps) live.unreadable.set(appKey(app), error.reason);
        }
      }
      const limit = pLimit(CONCURRENT_READS);
      await Promise.all(
        definitions.claims.map((claim) =>
          limit(async () => {
            try {
              live.claims.set(claimKey(claim), await client.get(claim));
            } catch (error) {
              if (!(error instanceof KubePermanentError)) throw error;
              live.unreadable.set(claimKey(claim), error.reason);
            }
          }),
        ),
      );
      return live;
    },
  };
}
