import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ChartCredentialsError } from '../charts/chart-credentials.ts';
import {
  type ConfigFileReader,
  isRepositoryPath,
  loadExtendedConfig,
  MAX_CONFIG_FILE_BYTES,
} from '../config/config-extends.ts';
import { CONFIG_PATH, ConfigError } from '../config/load-config.ts';
import { DEFAULT_CONFIG, type MergeplaneConfig } from '../config/mergeplane-config.ts';
import { scanCachesOf, scanCrossplaneObjects } from '../crossplane/scan-crossplane-objects.ts';
import { evaluateGates, type GateFinding } from '../gates/evaluate-gates.ts';
import { openCommitTrees } from '../git/git-objects.ts';
import { FileTooLargeError, type GitRepository, openGitRepository } from '../git/git-repository.ts';
import { localSourceMatcher } from '../gitops/local-source.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import type { AppReport, ClaimReport, PlanReport } from '../model/plan-report.ts';
import { YamlCache } from '../model/yaml-cache.ts';
import { createAppRenderer, type PlanSide } from '../plan/app-renderer.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { noProgress, type PlanProgress } from '../plan/plan-progress.ts';
import { RenderCache } from '../plan/render-cache.ts';
import type { RenderFarm } from '../plan/render-farm.ts';
import { repoMatcher, trackedBranch } from '../plan/repo-identity.ts';
import { buildReport } from '../report/build-report.ts';
import { SchemaCatalog, type SchemaValidator } from '../schema/schema-validator.ts';
import { collectSides } from './collect-sides.ts';
import { fanOutRenders } from './fan-out-renders.ts';
import { planAppsStage } from './plan-apps-stage.ts';
import { planClaimsStage } from './plan-claims-stage.ts';
import { createPlanCharts, type PlanCharts } from './remote-charts.ts';
import { revisionValidator, validateAppSchemas } from './schema-stage.ts';
import { createSourceTrees, type RemoteRepositories } from './source-trees.ts';
import type { TreeCheckout } from './tree-checkout.ts';

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
  /** The config's path in the repository, read at the base (the Action's `config` input); default `.github/mergeplane.yml`. */
  configPath?: string;
  /** Reads the files `_extends` names (organisation defaults); without it a config that extends another is refused. */
  configExtends?: ConfigFileReader;
  /** Render cache directory; `false` keeps the cache in memory for this plan only. */
  cacheDir?: string | false;
  logger?: PlanLogger;
  env?: NodeJS.ProcessEnv;
  /** `URL → DIR` for sources in other repositories (the CLI's `--source`). */
  sourceDirs?: Readonly<Record<string, string>>;
  /** Other repositories beyond `sourceDirs` (the App: its installation's repositories). */
  remoteRepositories?: RemoteRepositories;
  /**
   * What plans of one process share (tree listings, blob contents, per-blob parse results, app inputs): a worker
   * passes one to every plan, so a second push reads only what changed. Default: a fresh one for this plan.
   */
  caches?: PlanCaches;
  /**
   * Other workers to render a large change (the App: render jobs every plan worker takes). Used only with a
   * render cache directory, which the farm's workers must share.
   */
  farm?: RenderFarm;
  /** Told each phase as the plan reaches it, and each affected app as it is rendered (see PlanProgress). */
  progress?: PlanProgress;
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

/** Where a plan's config comes from (PlanChangeOptions' fields of the same names). */
export interface PlanConfigSource {
  configFile?: string | undefined;
  configPath?: string | undefined;
  configExtends?: ConfigFileReader | undefined;
}

/** A repository path that stays in the repository: relative, no `..`, no empty segment. */
function checkedConfigPath(path: string): string {
  if (!isRepositoryPath(path))
    throw new PlanInputError(`config path ${JSON.stringify(path)} is not a path inside the repository`);
  return path;
}

/**
 * The config a plan of `baseSha` is judged by: `configFile`, else `configPath` (default `.github/mergeplane.yml`)
 * at the base, with the defaults it `_extends`.
 */
export async function readPlanConfig(
  repo: GitRepository,
  baseSha: string,
  source: PlanConfigSource = {},
): Promise<{ config: MergeplaneConfig } | { error: ConfigError }> {
  const { configFile, configExtends } = source;
  const path = checkedConfigPath(source.configPath ?? CONFIG_PATH);
  const self = { repo: '(this repository)', path };
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
      return { config: await loadExtendedConfig({ text, file: configFile, self, read: configExtends }) };
    } catch (error) {
      if (error instanceof ConfigError) throw new PlanInputError(error.message);
      throw error;
    }
  }
  // Gates are read from the base revision: a change cannot loosen the rules that judge it.
  let text: string | undefined;
  try {
    text = await repo.readFile(baseSha, path, { maxBytes: MAX_CONFIG_FILE_BYTES });
  } catch (error) {
    if (!(error instanceof FileTooLargeError)) throw error;
    return { error: new ConfigError(`${path}: larger than ${MAX_CONFIG_FILE_BYTES} bytes`, path) };
  }
  try {
    return { config: await loadExtendedConfig({ text, file: path, self, read: configExtends }) };
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
  /** What Argo CD would apply of each affected app's head render, by `namespace/name` (for a live comparison). */
  headObjects?: ReadonlyMap<string, readonly KubeObject[]>;
}

/**
 * Plans the change between two revisions of a local GitOps repository: finds the affected Argo CD
 * applications, renders them at both revisions, diffs them and evaluates the gates. It reads the
 * repository and runs the render tools; it never talks to GitHub, Redis or a cluster.
 */
export async function planChange(options: PlanChangeOptions): Promise<PlanReport> {
  return (await planChangeWithContext(options)).report;
}

/**
 * The Crossplane scan reads the whole tree and needs no render: started before the apps are planned, it runs
 * meanwhile. A failure surfaces where the scans are awaited, never as an unhandled rejection.
 */
function startCrossplaneScans(sides: [PlanSide, PlanSide], maxFileBytes: number, caches: PlanCaches) {
  const scanCaches = scanCachesOf(caches);
  const scans = Promise.all([
    scanCrossplaneObjects(sides[0].index.tree, { maxFileBytes, caches: scanCaches }),
    scanCrossplaneObjects(sides[1].index.tree, { maxFileBytes, caches: scanCaches }),
  ]);
  scans.catch(() => {});
  return scans;
}

/** The report of a plan that cannot start because the base's `.github/mergeplane.yml` is invalid. */
function configFailure(base: string, head: string, error: ConfigError): PlanReport {
  return buildReport({
    base,
    head,
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
}

/** The plan's chart fetching; unreadable chart credentials stop the plan before it starts. */
function planChartsFor(env: NodeJS.ProcessEnv, config: MergeplaneConfig, renderCacheDir: string): PlanCharts {
  try {
    return createPlanCharts({ env, config, renderCacheDir });
  } catch (error) {
    if (error instanceof ChartCredentialsError) throw new PlanInputError(error.message);
    throw error;
  }
}

/** `planChange`, also returning the config and changed files it read, so callers need not read them again. */
export async function planChangeWithContext(options: PlanChangeOptions): Promise<PlannedChange> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const started = performance.now();
  const progress = options.progress ?? noProgress;
  progress({ phase: 'reading' });
  const repo = await openGitRepository(options.repoDir);
  const [baseSha, headSha] = await Promise.all([repo.resolve(options.base), repo.resolve(options.head)]);
  const loaded = await readPlanConfig(repo, baseSha, options);
  if ('error' in loaded) {
    const changedFiles = await repo.changedFiles(baseSha, headSha);
    progress({ phase: 'done' });
    return { report: configFailure(baseSha, headSha, loaded.error), config: undefined, changedFiles };
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
  const planCharts = planChartsFor(env, config, renderCacheDir ?? defaultCacheDir(env));
  const trees = createSourceTrees({
    thisRepo: repo,
    isThisRepo,
    ...(options.sourceDirs ? { dirs: options.sourceDirs } : {}),
    ...(options.remoteRepositories ? { remote: options.remoteRepositories } : {}),
  });
  const yamlCache = new YamlCache();
  const isLocal = localSourceMatcher({ isThisRepo, baseBranch });
  const caches = options.caches ?? new PlanCaches();
  const commitTrees = openCommitTrees(repo.dir, caches);
  const renderer = createAppRenderer({
    caches,
    config,
    cache: new RenderCache(renderCacheDir === undefined ? {} : { dir: renderCacheDir }),
    isLocal,
    yamlCache,
    env,
    logger,
    charts: planCharts.charts,
    sources: trees,
  });
  const failures: GateFinding[] = [];
  const checkouts: TreeCheckout[] = [];
  try {
    const thisRepoUrl = config.repository.url ?? originUrl ?? 'local';
    const revision = { config, isThisRepo, thisRepoUrl, baseBranch, yamlCache, renderer, caches };
    const collect = { commitTrees, revision, planCharts, changedFiles, failures, checkouts };
    progress({ phase: 'discovering' });
    const [base, head] = await collectSides(collect, baseSha, headSha);
    const scans = startCrossplaneScans([base.side, head.side], config.discovery.maxFileBytes, caches);
    // A farm warms the render cache its workers share: with no cache directory there is nothing to share.
    const farm = renderCacheDir === undefined ? undefined : options.farm;
    const sides = { base: { ...base, sha: baseSha }, head: { ...head, sha: headSha } };
    const schemas = new SchemaCatalog();
    // The field lists load while the render tools run, rather than after them (a one-time import per process).
    schemas.preload();
    await fanOutRenders({ farm, ...sides, renderer, changedFiles, isLocal, baseBranch, logger });
    const planned = await planAppsStage({ base, head, renderer, changedFiles, config, progress });
    failures.push(...planned.findings);
    progress({ phase: 'crossplane' });
    const checked = await claimsAndSchemas({
      scans,
      renderer,
      config,
      base,
      head,
      isThisRepo,
      planned,
      schemas,
      progress,
    });
    failures.push(...checked.findings);
    const { apps } = checked;
    const report = buildReport({
      base: baseSha,
      head: headSha,
      apps,
      claims: checked.claims,
      gates: evaluateGates({ apps, config, failures }),
    });
    const ms = Math.round(performance.now() - started);
    logger.info(
      { base: baseSha, head: headSha, apps: apps.length, changedFiles: changedFiles.length, ms },
      'plan computed',
    );
    progress({ phase: 'done' });
    return { report, config, changedFiles, headObjects: planned.headObjects };
  } finally {
    commitTrees.close();
    await Promise.all([...checkouts.map((c) => c.dispose()), trees.dispose()]);
  }
}

/**
 * The provisioning plan, then the head render of each affected app checked against its schemas. The head's CRDs
 * are collected once, when first asked for: by then the claims stage has rendered what it adds (apps reading a
 * connection Secret), and nothing renders after it.
 */
async function claimsAndSchemas(
  o: Omit<Parameters<typeof planClaimsStage>[0], 'validatorOfHead'> & {
    planned: Awaited<ReturnType<typeof planAppsStage>>;
    schemas: SchemaCatalog;
    progress: PlanProgress;
  },
): Promise<{ claims: ClaimReport[]; apps: AppReport[]; findings: GateFinding[] }> {
  const { renderer, schemas } = o;
  const [baseScan, headScan] = await o.scans;
  let headValidator: SchemaValidator | undefined;
  const validatorOfHead = () =>
    (headValidator ??= revisionValidator(schemas, headScan, renderer.rendered('head')));
  const claimsPlan = await planClaimsStage({ ...o, validatorOfHead });
  o.progress({ phase: 'validating' });
  const checked = await validateAppSchemas({
    ...o.planned,
    validators: {
      base: revisionValidator(schemas, baseScan, renderer.rendered('base')),
      head: validatorOfHead(),
    },
    config: o.config,
    headTree: o.head.side.index.tree,
  });
  return {
    claims: claimsPlan.claims,
    apps: checked.apps,
    findings: [...claimsPlan.findings, ...checked.findings],
  };
}
