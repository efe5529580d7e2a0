import type { ConfigFileReader } from '../config/config-extends.ts';
import { CONFIG_PATH } from '../config/load-config.ts';
import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { DEFAULT_CONFIG } from '../config/mergeplane-config.ts';
import { findClaimObject, registeredCluster } from '../crossplane/cluster-targets.ts';
import type { CrossplaneObject } from '../crossplane/plan-claims.ts';
import { scanCachesOf, scanCrossplaneObjects } from '../crossplane/scan-crossplane-objects.ts';
import { defaultCacheDir, planChangeWithContext } from '../engine/plan-change.ts';
import { openPlanSide, type TreeCheckout } from '../engine/tree-checkout.ts';
import { openCommitTrees } from '../git/git-objects.ts';
import { openGitRepository } from '../git/git-repository.ts';
import type { RepoCache } from '../git/repo-cache.ts';
import { repoCacheConfigReader } from '../git/repo-cache-config-reader.ts';
import { type Application, InvalidApplicationError, parseApplication } from '../gitops/application.ts';
import { ApplicationSetError } from '../gitops/applicationset/application-set-error.ts';
import { expandApplicationSetFromTree } from '../gitops/applicationset/expand-from-tree.ts';
import { localSourceMatcher } from '../gitops/local-source.ts';
import type { DeliveryPlan } from '../model/delivery-plan.ts';
import { isRecord } from '../model/kube-object.ts';
import { ManifestParseError, parseManifests } from '../model/parse-manifests.ts';
import { PlanCaches } from '../model/plan-caches.ts';
import type { ClaimReport } from '../model/plan-report.ts';
import type { RevisionTree } from '../model/revision-tree.ts';
import { YamlCache } from '../model/yaml-cache.ts';
import { createAppRenderer } from '../plan/app-renderer.ts';
import type { CollectedApplications } from '../plan/collect-applications.ts';
import { collectRevision } from '../plan/collect-revision.ts';
import { type PlanLogger, silentLogger } from '../plan/plan-logger.ts';
import { RenderCache } from '../plan/render-cache.ts';
import { repoMatcher, trackedBranch } from '../plan/repo-identity.ts';
import type { TreeIndex } from '../plan/tree-index.ts';
import type { MergeInput } from '../queue/deliver-job.ts';
import { buildDeliveryStages, type DeliveryApp, syncWave } from './build-delivery-stages.ts';
import { driftDefinitions } from './drift-definitions.ts';

export interface PlanDeliveryOptions {
  repoDir: string;
  /** The push's `before` (the default branch before the merge). */
  before: string;
  /** The merge commit. */
  after: string;
  /** The branch Applications track (the repository's default branch). */
  baseBranch?: string;
  cacheDir?: string | false;
  logger?: PlanLogger;
  env?: NodeJS.ProcessEnv;
  /** What plans of this process share (see planChange); default: fresh for this delivery plan. */
  caches?: PlanCaches;
  /** Reads the organisation defaults the config `_extends` (see planChange). */
  configExtends?: ConfigFileReader;
}

function isAutomated(app: Application): boolean {
  const spec = isRecord(app.manifest.spec) ? app.manifest.spec : {};
  const policy = isRecord(spec.syncPolicy) ? spec.syncPolicy : {};
  // Argo CD 3 can keep the block but switch it off with `enabled: false`.
  return isRecord(policy.automated) && policy.automated.enabled !== false;
}

async function deliveryApp(
  app: Application,
  index: TreeIndex,
  isThisRepo: (url: string) => boolean,
  parentOf: (app: Application) => string | undefined,
): Promise<DeliveryApp> {
  const parent = parentOf(app);
  const sourcePaths: DeliveryApp['sourcePaths'] = [];
  for (const source of app.sources) {
    if (source.path === undefined || !isThisRepo(source.repoURL)) continue;
    let recurse =
      source.directory?.recurse === true || source.helm !== undefined || source.kustomize !== undefined;
    if (!recurse && source.directory === undefined) {
      // Kustomize and Helm sources are detected by file, as Argo CD does; both may read subdirectories.
      const dir = source.path.replace(/^\.\/+/, '').replace(/\/+$/, '');
      const probes = ['kustomization.yaml', 'kustomization.yml', 'Kustomization', 'Chart.yaml'];
      for (const probe of probes) {
        if ((await index.text(dir === '' || dir === '.' ? probe : `${dir}/${probe}`)) !== undefined)
          recurse = true;
      }
    }
    sourcePaths.push({ path: source.path, recurse });
  }
  return {
    namespace: app.namespace,
    name: app.name,
    wave: syncWave(app.annotations),
    automated: isAutomated(app),
    sourcePaths,
    ...(parent !== undefined ? { parent } : {}),
    ...(app.multiSource
      ? {
          sources: app.sources.map((source) => ({
            thisRepo: isThisRepo(source.repoURL),
            ...(source.targetRevision !== undefined ? { targetRevision: source.targetRevision } : {}),
          })),
        }
      : {}),
  };
}

/**
 * Plans what a merge delivers: the same planning engine as for pull requests (`planChange` between the push's
 * `before` and `after`), plus what delivery needs beyond the report — each Application's sync wave and sync
 * policy at the merge commit, the claims' manifests, and the apps ApplicationSets will generate on clusters the
 * merge's claims register. Reads the repository only.
 */
export async function planDelivery(options: PlanDeliveryOptions): Promise<DeliveryPlan> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir(env) : options.cacheDir;
  const caches = options.caches ?? new PlanCaches();
  const { report, config: planConfig } = await planChangeWithContext({
    ...(options.baseBranch !== undefined ? { baseBranch: options.baseBranch } : {}),
    ...{ caches, repoDir: options.repoDir, base: options.before, head: options.after, cacheDir, logger, env },
    ...(options.configExtends !== undefined ? { configExtends: options.configExtends } : {}),
  });
  const repo = await openGitRepository(options.repoDir);
  const [beforeSha, afterSha] = [report.base, report.head];
  // The plan read the config at `before`; when it is invalid the `config` gate says why and defaults apply.
  const config = planConfig ?? DEFAULT_CONFIG;
  const [originUrl, defaultBranch, currentBranch] = await Promise.all([
    repo.originUrl(),
    repo.defaultBranch(),
    repo.currentBranch(),
  ]);
  const isThisRepo = repoMatcher(config, originUrl);
  const tracked = options.baseBranch ?? options.before;
  const baseBranch = trackedBranch(config, tracked, defaultBranch, currentBranch);
  const yamlCache = new YamlCache();
  const renderer = createAppRenderer({
    caches,
    config,
    cache: new RenderCache(cacheDir === false ? {} : { dir: cacheDir }),
    isLocal: localSourceMatcher({ isThisRepo, baseBranch }),
    yamlCache,
    env,
    logger,
  });

  const commitTrees = openCommitTrees(repo.dir, caches);
  let checkout: TreeCheckout | undefined;
  try {
    const tree = await commitTrees.tree(afterSha);
    const opened = openPlanSide('head', tree);
    checkout = opened.checkout;
    const thisRepoUrl = config.repository.url ?? originUrl ?? 'local';
    const revision = { config, isThisRepo, thisRepoUrl, baseBranch, yamlCache, renderer, caches };
    const { side, collected } = await collectRevision({ ...revision, side: opened.side });
    const apps = [...collected.entries.values()].flatMap((entry) =>
      entry.kind === 'app' ? [entry.app] : [],
    );
    const parentOf = parentFinder(apps, isThisRepo);
    const headApps: DeliveryApp[] = [];
    for (const app of apps) headApps.push(await deliveryApp(app, side.index, isThisRepo, parentOf));
    const headObjects: CrossplaneObject[] = [
      ...(await scanCrossplaneObjects(tree, { caches: scanCachesOf(caches) })),
      ...renderer.rendered('head'),
    ];
    const baseObjects = await deletedClaimObjects(report.claims, (file) => repo.readFile(beforeSha, file));
    const claimObject = (claim: ClaimReport) =>
      findClaimObject(claim.action === 'delete' ? baseObjects : headObjects, claim);

    // The apps a newly registered cluster gets, with their own sync wave and policy.
    const generatedApps = await clusterTargetApps({
      claims: report.claims,
      claimObject,
      collected,
      tree,
      isThisRepo,
      toDeliveryApp: (app) => deliveryApp(app, side.index, isThisRepo, parentOf),
    });

    const plan = buildDeliveryStages({
      mergeSha: afterSha,
      before: beforeSha,
      apps: report.apps,
      claims: report.claims,
      headApps,
      generatedApps,
      claimObject,
      config,
    });
    plan.order = await repo.historyDepth(afterSha);
    plan.drift = plannedDrift(config, {
      sha: afterSha,
      branch: baseBranch ?? 'HEAD',
      apps,
      headObjects,
      isThisRepo,
    });
    const configGate = report.gates.find((gate) => gate.id === 'config' && gate.status === 'fail');
    if (configGate) {
      plan.notes.unshift(`invalid ${CONFIG_PATH}, defaults used: ${configGate.message}`);
      plan.notes.unshift(`nothing planned: ${configGate.message}`);
    }
    logger.info(
      { mergeSha: afterSha, before: beforeSha, stages: plan.stages.length, notes: plan.notes.length },
      'delivery planned',
    );
    return plan;
  } finally {
    commitTrees.close();
    await checkout?.dispose();
  }
}

/** The merge's drift settings and what the default branch defines at it (`drift/`, README "Drift report"). */
function plannedDrift(
  config: MergeplaneConfig,
  o: {
    sha: string;
    branch: string;
    apps: Application[];
    headObjects: CrossplaneObject[];
    isThisRepo: (url: string) => boolean;
  },
): NonNullable<DeliveryPlan['drift']> {
  const { enabled, intervalMinutes } = config.drift;
  const definitions = driftDefinitions({ ...o, crossplaneObjects: o.headObjects });
  return { enabled, intervalMinutes, definitions };
}

/**
 * The app-of-apps parent of an app: named in its origin, or, for an ApplicationSet's app, the parent that rendered
 * the ApplicationSet (whose recorded file is then that parent's source path).
 */
function parentFinder(
  apps: readonly Application[],
  isThisRepo: (url: string) => boolean,
): (app: Application) => string | undefined {
  const normalize = (path: string) => path.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return (app) => {
    if (app.origin.startsWith('app-of-apps:')) return app.origin.slice('app-of-apps:'.length);
    if (!app.origin.startsWith('applicationset:') || app.file === undefined) return undefined;
    const dir = normalize(app.file);
    return apps.find(
      (candidate) =>
        candidate !== app &&
        candidate.sources.some(
          (s) => s.path !== undefined && isThisRepo(s.repoURL) && normalize(s.path) === dir,
        ),
    )?.name;
  };
}

/** The apps ApplicationSets will generate on the clusters the merge's claims register, as the stages need them. */
async function clusterTargetApps(o: {
  claims: readonly ClaimReport[];
  claimObject: (claim: ClaimReport) => Record<string, unknown> | undefined;
  collected: Pick<CollectedApplications, 'clusters' | 'applicationSets'>;
  tree: RevisionTree;
  isThisRepo: (url: string) => boolean;
  toDeliveryApp: (app: Application) => Promise<DeliveryApp>;
}): Promise<DeliveryApp[]> {
  const generatedApps: DeliveryApp[] = [];
  for (const claim of o.claims) {
    const targets = claim.clusterTargets ?? [];
    const object = targets.length > 0 ? o.claimObject(claim) : undefined;
    if (!object) continue;
    const clusters = [...o.collected.clusters, registeredCluster(object).entry];
    for (const target of targets) {
      const appset = o.collected.applicationSets.find((a) => {
        const metadata = isRecord(a.object.metadata) ? a.object.metadata : {};
        return metadata.name === target.applicationSet;
      });
      if (!appset) continue;
      const metadata = isRecord(appset.object.metadata) ? appset.object.metadata : {};
      let objects: Record<string, unknown>[];
      try {
        objects = await expandApplicationSetFromTree(
          { ...appset.object, metadata: { ...metadata, namespace: appset.namespace } },
          { tree: o.tree, clusters, isThisRepo: o.isThisRepo },
        );
      } catch (error) {
        if (error instanceof ApplicationSetError) continue;
        throw error;
      }
      for (const generated of objects) {
        try {
          const app = parseApplication(generated, {
            origin: `applicationset:${target.applicationSet}`,
            defaultNamespace: appset.namespace,
          });
          if (appset.file !== undefined) app.file = appset.file;
          if (target.apps.includes(app.name)) generatedApps.push(await o.toDeliveryApp(app));
        } catch (error) {
          if (!(error instanceof InvalidApplicationError)) throw error;
        }
      }
    }
  }
  return generatedApps;
}

/** The manifests of deleted claims, read from their files at `before` (for the cluster they registered). */
async function deletedClaimObjects(
  claims: readonly ClaimReport[],
  readFile: (file: string) => Promise<string | undefined>,
): Promise<CrossplaneObject[]> {
  const files = new Set(
    claims.flatMap((c) => (c.action === 'delete' && c.file !== undefined ? [c.file] : [])),
  );
  const objects: CrossplaneObject[] = [];
  for (const file of files) {
    const text = await readFile(file);
    if (text === undefined) continue;
    try {
      for (const doc of parseManifests(text))
        if (isRecord(doc.value)) objects.push({ object: doc.value, file });
    } catch (error) {
      if (!(error instanceof ManifestParseError)) throw error;
    }
  }
  return objects;
}

/** Plans a merge (git + the planning engine); replaceable for tests and dry runs. */
export type DeliveryPlanner = (
  input: MergeInput & { token: string; log: PlanLogger },
) => Promise<DeliveryPlan>;

export interface DeliveryPlannerOptions {
  repoCache: RepoCache;
  /** Render cache directory for planning; `false` keeps it in memory. */
  cacheDir?: string | false;
  /** The worker process's plan caches. */
  caches?: PlanCaches;
}

/** The production planner: syncs the shared clone with the installation token, then runs `planDelivery`. */
export function createDeliveryPlanner(options: DeliveryPlannerOptions): DeliveryPlanner {
  return async (input) => {
    const repository = await options.repoCache.sync({
      owner: input.owner,
      repo: input.repo,
      token: input.token,
      refs: [input.after, ...(input.before ? [input.before] : [])],
    });
    const before = input.before ?? (await repository.resolve(`${input.after}^`));
    return planDelivery({
      repoDir: repository.dir,
      before,
      after: input.after,
      ...(input.baseBranch !== undefined ? { baseBranch: input.baseBranch } : {}),
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      ...(options.caches !== undefined ? { caches: options.caches } : {}),
      configExtends: repoCacheConfigReader({
        repoCache: options.repoCache,
        token: input.token,
        owner: input.owner,
      }),
      logger: input.log,
    });
  };
}
