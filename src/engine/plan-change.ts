import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ChartCredentialsError } from '../charts/chart-credentials.ts';
import { chartCacheDir, chartFetcherFor, remoteAccessFromEnv } from '../charts/chart-settings.ts';
import type { RemoteAccess } from '../charts/helm-repository.ts';
import { CONFIG_PATH, ConfigError, loadConfig } from '../config/load-config.ts';
import { DEFAULT_CONFIG, type MergeplaneConfig } from '../config/mergeplane-config.ts';
import { clusterTargets, findClaimObject, withClusterTargets } from '../crossplane/cluster-targets.ts';
import { planClaims } from '../crossplane/plan-claims.ts';
import { scanCrossplaneObjects } from '../crossplane/scan-crossplane-objects.ts';
import { evaluateGates, type GateFinding } from '../gates/evaluate-gates.ts';
import { type Checkout, type GitRepository, openGitRepository } from '../git/git-repository.ts';
import { localSourceMatcher } from '../gitops/local-source.ts';
import type { AppReport, PlanReport } from '../model/plan-report.ts';
import { YamlCache } from '../model/yaml-cache.ts';
import type { AppEntry } from '../plan/app-entry.ts';
import { createAppRenderer, type PlanSide } from '../plan/app-renderer.ts';
import { chartRepoKey, chartRepositories } from '../plan/chart-repositories.ts';
import { collectRevision } from '../plan/collect-revision.ts';
import { pairRenamedApps } from '../plan/pair-renamed-apps.ts';
import { parentChain } from '../plan/parent-chain.ts';
import { planApp } from '../plan/plan-app.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { RenderCache } from '../plan/render-cache.ts';
import { renderSecretConsumers } from '../plan/render-secret-consumers.ts';
import { repoMatcher, trackedBranch } from '../plan/repo-identity.ts';
import type { TreeIndex } from '../plan/tree-index.ts';
import { isAllowedRemote } from '../render/remote-ref.ts';
import type { RemoteCharts } from '../render/render-context.ts';
import { buildReport } from '../report/build-report.ts';
import { deferred } from './deferred.ts';
import { createSourceTrees, type RemoteRepositories } from './source-trees.ts';

export interface PlanChangeOptions {
  repoDir: string;
  base: string;
  head: string;
  /**
   * The branch Applications must track to be planned (a pull request's base branch). Default: config
   * `repository.baseBranch`, else `base` when it names a branch, else the remote's default branch.
   */
  baseBranch?: string;
  /** A config file to use instead of the repository's `.github/mergeplane.yml` at base. */
  configFile?: string;
  /** Render cache directory; `false` keeps the cache in memory for this plan only. */
  cacheDir?: string | false;
  logger?: PlanLogger;
  env?: NodeJS.ProcessEnv;
  /** `URL → DIR` for sources in other repositories (the CLI's `--source`). */
  sourceDirs?: Readonly<Record<string, string>>;
  /** Other repositories beyond `sourceDirs` (the App: its installation's repositories). */
  remoteRepositories?: RemoteRepositories;
}

/** The plan cannot start: bad arguments or an unreadable input. The CLI exits 2 with the message. */
export class PlanInputError extends Error {
  override readonly name = 'PlanInputError';
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MERGEPLANE_CACHE_DIR) return env.MERGEPLANE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'mergeplane', 'render');
}

async function readConfig(
  repo: GitRepository,
  baseSha: string,
  configFile: string | undefined,
): Promise<{ config: MergeplaneConfig } | { error: ConfigError }> {
  if (configFile !== undefined) {
    let text: string;
    try {
      text = await readFile(configFile, 'utf8');
    } catch (error) {
      throw new PlanInputError(
        `cannot read config ${configFile}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    try {
      return { config: loadConfig(text, configFile) };
    } catch (error) {
      if (error instanceof ConfigError) throw new PlanInputError(error.message);
      throw error;
    }
  }
  // Gates are read from the base revision: a change cannot loosen the rules that judge it.
  const text = await repo.readFile(baseSha, CONFIG_PATH);
  try {
    return { config: loadConfig(text, CONFIG_PATH) };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
}

/** A plan with the inputs it was judged by, for callers that need them beside the report. */
export interface PlannedChange {
  report: PlanReport;
  /** The config the gates used (base revision, or `configFile`); undefined when it is invalid (the `config` gate fails). */
  config: MergeplaneConfig | undefined;
  /** Repository paths that differ between base and head. */
  changedFiles: string[];
}

/**
 * Plans the change between two revisions of a local GitOps repository: finds the affected Argo CD
 * applications, renders them at both revisions, diffs them and evaluates the gates. It reads the
 * repository and runs the render tools; it never talks to GitHub, Redis or a cluster.
 */
export async function planChange(options: PlanChangeOptions): Promise<PlanReport> {
  return (await planChangeWithContext(options)).report;
}

/** `planChange`, also returning the config and changed files it read, so callers need not read them again. */
export async function planChangeWithContext(options: PlanChangeOptions): Promise<PlannedChange> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const started = performance.now();
  const repo = await openGitRepository(options.repoDir);
  const [baseSha, headSha] = await Promise.all([repo.resolve(options.base), repo.resolve(options.head)]);
  const loaded = await readConfig(repo, baseSha, options.configFile);
  if ('error' in loaded) {
    const { error } = loaded;
    const report = buildReport({
      base: baseSha,
      head: headSha,
      apps: [],
      gates: evaluateGates({
        apps: [],
        config: DEFAULT_CONFIG,
        failures: [
          {
            id: 'config',
            message: error.message,
            file: error.file,
            ...(error.line !== undefined ? { line: error.line } : {}),
          },
        ],
      }),
    });
    return { report, config: undefined, changedFiles: await repo.changedFiles(baseSha, headSha) };
  }
  const { config } = loaded;
  const [originUrl, defaultBranch, currentBranch, changedFiles] = await Promise.all([
    repo.originUrl(),
    repo.defaultBranch(),
    repo.currentBranch(),
    repo.changedFiles(baseSha, headSha),
  ]);
  const isThisRepo = repoMatcher(config, originUrl);
  const baseBranch = trackedBranch(config, options.baseBranch ?? options.base, defaultBranch, currentBranch);
  const renderCacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? defaultCacheDir(env));
  const cache = new RenderCache(renderCacheDir === undefined ? {} : { dir: renderCacheDir });
  const yamlCache = new YamlCache();
  const isLocal = localSourceMatcher({ isThisRepo, baseBranch });
  // The base's chart repositories are read only if a head render asks (most plans fetch no chart).
  const baseSide = deferred<{ entries: Iterable<AppEntry>; index: TreeIndex } | undefined>();
  let baseCharts: Promise<ReadonlySet<string>> | undefined;
  const baseChartRepositories = () => {
    baseCharts ??= baseSide.promise.then((base) =>
      base ? chartRepositories(base.entries, base.index) : new Set<string>(),
    );
    return baseCharts;
  };
  let access: RemoteAccess;
  try {
    access = remoteAccessFromEnv(env, config.render.timeoutSeconds * 1000);
  } catch (error) {
    if (error instanceof ChartCredentialsError) throw new PlanInputError(error.message);
    throw error;
  }
  const charts: RemoteCharts = {
    fetcher: chartFetcherFor(chartCacheDir(env, renderCacheDir ?? defaultCacheDir(env)), access),
    // A chart repository is asked only when the base already uses it or the base's config lists it.
    approved: async (url) =>
      isAllowedRemote(url, config.render.allowedRemotes) ||
      (await baseChartRepositories()).has(chartRepoKey(url)),
  };
  const trees = createSourceTrees({
    thisRepo: repo,
    isThisRepo,
    ...(options.sourceDirs ? { dirs: options.sourceDirs } : {}),
    ...(options.remoteRepositories ? { remote: options.remoteRepositories } : {}),
  });
  const renderer = createAppRenderer({
    config,
    cache,
    isLocal,
    yamlCache,
    env,
    logger,
    charts,
    sources: trees,
  });
  const failures: GateFinding[] = [];
  const checkouts: Checkout[] = [];
  try {
    const thisRepoUrl = config.repository.url ?? originUrl ?? 'local';
    const revision = { config, isThisRepo, thisRepoUrl, baseBranch, yamlCache, renderer };
    // Both revisions are independent until pairing: check out and collect them concurrently.
    const collectSide = async (label: PlanSide['label'], sha: string) => {
      const checkout = await repo.checkout(sha);
      checkouts.push(checkout);
      const { side, collected } = await collectRevision({ ...revision, label, dir: checkout.dir });
      if (label === 'head') {
        for (const parseError of collected.parseErrors) {
          if (!changedFiles.includes(parseError.file)) continue;
          failures.push({
            id: 'manifests',
            message: `${parseError.file}: invalid YAML: ${parseError.message}`,
            file: parseError.file,
            ...(parseError.line !== undefined ? { line: parseError.line } : {}),
          });
        }
        for (const skipped of collected.skipped) {
          if (!changedFiles.includes(skipped.file)) continue;
          failures.push({
            id: 'unsupported',
            status: 'needs-approval',
            message: `${skipped.file}: not read: ${skipped.bytes} bytes is more than discovery.maxFileBytes (${config.discovery.maxFileBytes}); Applications or claims in it are not planned`,
            file: skipped.file,
          });
        }
      }
      if (label === 'base') baseSide.resolve({ entries: [...collected.entries.values()], index: side.index });
      return {
        side,
        entries: collected.entries,
        clusters: collected.clusters,
        applicationSets: collected.applicationSets,
      };
    };
    // allSettled: a failure on one side must not leave the other's worktree behind undisposed.
    const settled = await Promise.allSettled([
      collectSide('base', baseSha).catch((error: unknown) => {
        baseSide.resolve(undefined);
        throw error;
      }),
      collectSide('head', headSha),
    ]);
    const [base, head] = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    }) as [Awaited<ReturnType<typeof collectSide>>, Awaited<ReturnType<typeof collectSide>>];
    // The Crossplane scan reads the whole tree and needs no render: let it run while apps are planned.
    const scans = Promise.all([
      scanCrossplaneObjects(base.side.index.root, { maxFileBytes: config.discovery.maxFileBytes }),
      scanCrossplaneObjects(head.side.index.root, { maxFileBytes: config.discovery.maxFileBytes }),
    ]);
    // Awaited below; this only keeps a failure while apps are planned from surfacing as unhandled.
    scans.catch(() => {});
    const keys = [...new Set([...base.entries.keys(), ...head.entries.keys()])].sort();
    const planned = await Promise.all(
      keys.map((key) =>
        planApp({
          base: base.side,
          head: head.side,
          baseEntry: base.entries.get(key),
          headEntry: head.entries.get(key),
          renderer,
          changedFiles,
          config,
        }),
      ),
    );
    const manifestOf = (entries: typeof head.entries) => (app: AppReport) => {
      const entry = entries.get(`${app.namespace}/${app.name}`);
      return entry?.kind === 'app' ? entry.app.manifest : undefined;
    };
    const apps = pairRenamedApps(
      planned.map((p) => {
        if (!p.report.origin.startsWith('app-of-apps:')) return p.report;
        const entries = head.entries.has(`${p.report.namespace}/${p.report.name}`)
          ? head.entries
          : base.entries;
        return { ...p.report, parents: parentChain(p.report.origin, entries.values()) };
      }),
      { base: manifestOf(base.entries), head: manifestOf(head.entries) },
      config.diff.contextLines,
    );
    for (const p of planned) failures.push(...p.findings);
    const [baseScan, headScan] = await scans;
    const planClaimsNow = () =>
      planClaims({
        base: { objects: [...baseScan, ...renderer.rendered('base')] },
        head: { objects: [...headScan, ...renderer.rendered('head')] },
        registerClusterKinds: config.crossplane.registerClusterKinds,
      });
    let claimsPlan = planClaimsNow();
    // Workloads reading a changed claim's connection Secret often live in apps the change did not touch:
    // render those (cached) and plan again, so the comment can show who consumes the credentials.
    const secretNames = claimsPlan.claims.flatMap((c) =>
      c.action !== 'unchanged' && c.connectionSecret ? [c.connectionSecret.name] : [],
    );
    const consumersRendered = await renderSecretConsumers({
      side: head.side,
      entries: head.entries.values(),
      renderer,
      secretNames,
    });
    if (consumersRendered > 0) claimsPlan = planClaimsNow();
    const headObjects = [...headScan, ...renderer.rendered('head')];
    failures.push(...claimsPlan.findings);
    // A claim that registers a cluster: which ApplicationSets will then generate apps on it (head state).
    const claims = claimsPlan.claims.map((claim) => {
      if (!claim.registersCluster || (claim.action !== 'create' && claim.action !== 'update')) return claim;
      const claimObject = findClaimObject(headObjects, claim);
      if (!claimObject) return claim;
      const targets = clusterTargets({
        claim,
        claimObject,
        applicationSets: head.applicationSets,
        clusters: head.clusters,
        root: head.side.index.root,
        isThisRepo,
      });
      return withClusterTargets(claim, targets);
    });
    const report = buildReport({
      base: baseSha,
      head: headSha,
      apps,
      claims,
      gates: evaluateGates({ apps, config, failures }),
    });
    logger.info(
      {
        base: baseSha,
        head: headSha,
        apps: keys.length,
        changedFiles: changedFiles.length,
        ms: Math.round(performance.now() - started),
      },
      'plan computed',
    );
    return { report, config, changedFiles };
  } finally {
    await Promise.all([...checkouts.map((c) => c.dispose()), trees.dispose()]);
  }
}
