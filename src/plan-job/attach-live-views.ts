import pLimit from 'p-limit';
import { compareWithLive } from '../diff/compare-with-live.ts';
import { resourceId, resourceKey } from '../diff/resource-key.ts';
import type { LiveReader } from '../kube/argocd-live-reader.ts';
import type { DestinationLiveReader } from '../kube/destination-live-reader.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { AppReport, LiveResource, LiveView, PlanReport } from '../model/plan-report.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';

/** Live reads a plan makes at once: each is one application's requests to Argo CD or to its cluster. */
const CONCURRENT_READS = 4;

interface LiveOptions {
  reader: LiveReader;
  destinations?: DestinationLiveReader;
  contextLines: number;
  isThisRepo: (repoURL: string) => boolean;
  /** Why the destinations of added apps may not be read for this pull request (a fork's), else undefined. */
  destinationsRefused: () => Promise<string | undefined>;
}

async function argoCdView(app: AppReport, head: readonly KubeObject[], o: LiveOptions): Promise<LiveView> {
  try {
    const live = await o.reader.liveObjects({ name: app.name, namespace: app.namespace }, o.isThisRepo);
    if (live.kind !== 'live') return { source: 'argocd', note: live.reason, resources: [] };
    const resources = compareWithLive({
      head,
      live: live.objects,
      defaultNamespace: app.destination.namespace ?? '',
      contextLines: o.contextLines,
    });
    return { source: 'argocd', resources };
  } catch (error) {
    return { source: 'argocd', note: `the comparison failed: ${(error as Error).message}`, resources: [] };
  }
}

/** An added app: Argo CD's app of that name, if any, is not this one, so its destination cluster is read directly. */
async function clusterView(app: AppReport, head: readonly KubeObject[], o: LiveOptions): Promise<LiveView> {
  if (o.destinations === undefined) {
    return {
      source: 'cluster',
      note: 'a new application: Argo CD does not know it yet, and the plan worker has no Kubernetes access to read its destination',
      resources: [],
    };
  }
  try {
    const refused = await o.destinationsRefused();
    if (refused !== undefined) return { source: 'cluster', note: refused, resources: [] };
    const read = await o.destinations.liveObjects(app, head);
    if (read.kind !== 'live') return { source: 'cluster', note: read.reason, resources: [] };
    const defaultNamespace = app.destination.namespace ?? '';
    const skipped = new Set(read.notRead.map((entry) => entry.object));
    const compared = compareWithLive({
      head: head.filter((object) => !skipped.has(object)),
      live: read.live,
      defaultNamespace,
      contextLines: o.contextLines,
    });
    const notCompared = read.notRead.map(({ object, reason }): LiveResource => {
      const id = resourceId(object, defaultNamespace);
      return {
        group: id.group,
        kind: id.kind,
        namespace: id.namespace,
        name: id.name,
        action: 'not-compared',
        reason,
      };
    });
    const resources = [...compared, ...notCompared].sort((a, b) =>
      resourceKey({ ...a, version: '' }).localeCompare(resourceKey({ ...b, version: '' })),
    );
    return { source: 'cluster', cluster: read.cluster, resources };
  } catch (error) {
    return { source: 'cluster', note: `the comparison failed: ${(error as Error).message}`, resources: [] };
  }
}

/**
 * Each affected app's head render against what the cluster holds (`plan.live`): Argo CD's view of an app it knows,
 * the destination cluster itself for an app the change adds. Never fails the plan: an unreachable Argo CD or cluster
 * becomes the app's note.
 */
export async function attachLiveViews(o: {
  report: PlanReport;
  headObjects: ReadonlyMap<string, readonly KubeObject[]> | undefined;
  reader: LiveReader;
  destinations?: DestinationLiveReader;
  contextLines: number;
  /** Whether a repoURL names the planned repository (its config's `repository.url`, else `origin`). */
  isThisRepo: (repoURL: string) => boolean;
  /** Asked once, only when an added app is compared: why its destination may not be read (a fork), if so. */
  destinationsRefused?: () => Promise<string | undefined>;
  logger: PlanLogger;
}): Promise<PlanReport> {
  const limit = pLimit(CONCURRENT_READS);
  let refused: Promise<string | undefined> | undefined;
  const options: LiveOptions = {
    reader: o.reader,
    ...(o.destinations === undefined ? {} : { destinations: o.destinations }),
    contextLines: o.contextLines,
    isThisRepo: o.isThisRepo,
    destinationsRefused: () => {
      refused ??= o.destinationsRefused?.() ?? Promise.resolve(undefined);
      return refused;
    },
  };
  const apps = await Promise.all(
    o.report.apps.map((app) => {
      const head = o.headObjects?.get(`${app.namespace}/${app.name}`);
      if (head === undefined) return app;
      const view = app.status === 'added' ? clusterView : argoCdView;
      return limit(async (): Promise<AppReport> => ({ ...app, live: await view(app, head, options) }));
    }),
  );
  const compared = apps.filter((app) => app.live !== undefined);
  o.logger.info(
    {
      apps: compared.length,
      clusters: compared.filter((app) => app.live?.source === 'cluster').length,
      unavailable: compared.filter((app) => app.live?.note !== undefined).length,
    },
    'live views attached',
  );
  return { ...o.report, apps };
}
