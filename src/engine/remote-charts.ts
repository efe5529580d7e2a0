import { chartCacheDir, chartFetcherFor, remoteAccessFromEnv } from '../charts/chart-settings.ts';
import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { AppEntry } from '../plan/app-entry.ts';
import { chartRepoKey, chartRepositories } from '../plan/chart-repositories.ts';
import type { TreeIndex } from '../plan/tree-index.ts';
import { isAllowedRemote } from '../render/remote-ref.ts';
import type { RemoteCharts } from '../render/render-context.ts';

/** The chart port of one plan, and how the base side tells it which repositories the base already uses. */
export interface PlanCharts {
  charts: RemoteCharts;
  /** Called once the base is collected (undefined when collecting it failed: nothing counts as used). */
  baseCollected(base: { entries: Iterable<AppEntry>; index: TreeIndex } | undefined): void;
}

/**
 * Charts for one plan: the server's fetcher (chart cache, network policy, credentials from the environment) and
 * the policy — a repository is asked only when the base already uses it or the base's config lists it. The base's
 * repositories are read only if a head render asks (most plans fetch no chart). Throws ChartCredentialsError.
 */
export function createPlanCharts(o: {
  env: NodeJS.ProcessEnv;
  config: MergeplaneConfig;
  renderCacheDir: string;
}): PlanCharts {
  const access = remoteAccessFromEnv(o.env, o.config.render.timeoutSeconds * 1000);
  const base = deferred<{ entries: Iterable<AppEntry>; index: TreeIndex } | undefined>();
  let used: Promise<ReadonlySet<string>> | undefined;
  const baseRepositories = () => {
    used ??= base.promise.then((side) =>
      side ? chartRepositories(side.entries, side.index) : new Set<string>(),
    );
    return used;
  };
  return {
    charts: {
      fetcher: chartFetcherFor(chartCacheDir(o.env, o.renderCacheDir), access),
      approved: async (url) =>
        isAllowedRemote(url, o.config.render.allowedRemotes) ||
        (await baseRepositories()).has(chartRepoKey(url)),
    },
    baseCollected: (side) => base.resolve(side),
  };
}

/** A promise resolved from outside: one side of a plan waiting on a fact the other side produces. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
