import pLimit from 'p-limit';
import { compareWithLive } from '../diff/compare-with-live.ts';
import type { LiveReader } from '../kube/argocd-live-reader.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { AppReport, LiveView, PlanReport } from '../model/plan-report.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';

/** Argo CD reads a plan makes at once: each is one request to its API server. */
const CONCURRENT_READS = 4;

async function liveViewOf(
  app: AppReport,
  head: readonly KubeObject[],
  o: { reader: LiveReader; contextLines: number; isThisRepo: (repoURL: string) => boolean },
): Promise<LiveView> {
  // An app the change adds is named by the pull request: Argo CD's app of that name, if any, is not its to read.
  if (app.status === 'added') {
    return {
      source: 'argocd',
      note: 'a new application: Argo CD does not know it yet (reading its destination cluster directly is not supported yet)',
      resources: [],
    };
  }
  try {
    const live = await o.reader.liveObjects({ name: app.name, namespace: app.namespace }, o.isThisRepo);
    if (live.kind !== 'live') return { source: 'argocd', note: live.reason, resources: [] };
    const defaultNamespace = app.destination.namespace ?? '';
    const resources = compareWithLive({
      head,
      live: live.objects,
      defaultNamespace,
      contextLines: o.contextLines,
    });
    return { source: 'argocd', resources };
  } catch (error) {
    return { source: 'argocd', note: `the comparison failed: ${(error as Error).message}`, resources: [] };
  }
}

/**
 * Each affected app's head render against what Argo CD holds live (`plan.live`). Never fails the plan: an
 * unreachable Argo CD or an app it does not know becomes the app's note.
 */
export async function attachLiveViews(o: {
  report: PlanReport;
  headObjects: ReadonlyMap<string, readonly KubeObject[]> | undefined;
  reader: LiveReader;
  contextLines: number;
  /** Whether a repoURL names the planned repository (its config's `repository.url`, else `origin`). */
  isThisRepo: (repoURL: string) => boolean;
  logger: PlanLogger;
}): Promise<PlanReport> {
  const limit = pLimit(CONCURRENT_READS);
  const apps = await Promise.all(
    o.report.apps.map((app) => {
      const head = o.headObjects?.get(`${app.namespace}/${app.name}`);
      if (head === undefined) return app;
      return limit(async (): Promise<AppReport> => ({ ...app, live: await liveViewOf(app, head, o) }));
    }),
  );
  const compared = apps.filter((app) => app.live !== undefined);
  o.logger.info(
    {
      apps: compared.length,
      unavailable: compared.filter((app) => app.live?.note !== undefined).length,
    },
    'live views attached',
  );
  return { ...o.report, apps };
}
