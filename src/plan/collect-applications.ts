import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { AppInputs } from '../gitops/app-inputs.ts';
import {
  type Application,
  applicationKey,
  isApplicationObject,
  isApplicationSetObject,
} from '../gitops/application.ts';
import type { ClusterEntry } from '../gitops/cluster.ts';
import { clusterFromSecret } from '../gitops/cluster-secret.ts';
import { type CachedFinding, discoverManifests } from '../gitops/discover-manifests.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { lowerBound } from '../model/lower-bound.ts';
import { type Memo, memoIn, memoValues, type PlanCaches } from '../model/plan-caches.ts';
import type { YamlCache } from '../model/yaml-cache.ts';
import type { AppEntry } from './app-entry.ts';
import { ApplicationRegistry, type FoundApplicationSet, objectName } from './application-registry.ts';
import type { TreeIndex } from './tree-index.ts';

export interface CollectOptions {
  index: TreeIndex;
  config: MergeplaneConfig;
  isThisRepo: (url: string) => boolean;
  /** A URL naming this repository (config or `origin`), for the implicit roots Mergeplane synthesizes. */
  thisRepoUrl: string;
  baseBranch: string | undefined;
  /** Shared by both revisions of one plan, so each distinct file text is parsed once. */
  yamlCache: YamlCache;
  /** The files an app's render reads (memoized by the caller, which needs them again for the diff). */
  appInputs: (app: Application) => Promise<AppInputs>;
  /** Renders a (possible) parent app to find its child Applications; errors surface when the app itself is diffed. */
  renderObjects: (app: Application) => Promise<KubeObject[] | undefined>;
  /** Kept between plans: per-blob discovery results and Argo CD mentions. */
  caches?: PlanCaches;
}

export interface CollectedApplications {
  entries: Map<string, AppEntry>;
  /** YAML files that failed to parse (other than Helm templates). */
  parseErrors: { file: string; line?: number; message: string }[];
  /** Files over `discovery.maxFileBytes`, not read. */
  skipped: { file: string; bytes: number }[];
  /** The registry the clusters generator saw: config clusters plus committed Argo CD cluster Secrets. */
  clusters: ClusterEntry[];
  /** Every ApplicationSet found (committed or rendered by a parent), with the namespace it was expanded in. */
  applicationSets: FoundApplicationSet[];
}

/** The YAML, JSON and template files of a revision whose text mentions Argo CD's API group, sorted. */
async function argoMentions(options: CollectOptions): Promise<string[]> {
  const { tree } = options.index;
  const mentions = tree.contentAddressed
    ? options.caches?.derivedCache<Memo<boolean>>('mentions-argo')
    : undefined;
  const files = tree.derived('argo-candidates', () =>
    tree.leaves().filter((file) => tree.entry(file)?.kind === 'file' && /\.(ya?ml|json|tpl)$/.test(file)),
  );
  const found = await memoValues(
    files.map((file) =>
      // By blob id: only regular files are listed (a link's blob is its target, never read here).
      memoIn(mentions, tree.entry(file)!.id, () =>
        options.index.text(file).then((text) => text?.includes('argoproj.io') ?? false),
      ),
    ),
  );
  return files.filter((_, i) => found[i]);
}

/** Whether a sorted list holds a path under `dir` (`.`: any path). */
function hasUnder(sorted: readonly string[], dir: string): boolean {
  if (dir === '.' || dir === '') return sorted.length > 0;
  const prefix = `${dir}/`;
  return sorted[lowerBound(sorted, prefix)]?.startsWith(prefix) ?? false;
}

/**
 * Whether any file the app reads mentions Argo CD's API group: only such apps can be app-of-apps parents.
 * `mentioning` is the revision's list of such files (read once per revision, per blob across plans).
 */
async function mayContainApplications(
  app: Application,
  options: CollectOptions,
  mentioning: { files: ReadonlySet<string>; sorted: readonly string[] },
): Promise<boolean> {
  const inputs = await options.appInputs(app);
  return (
    inputs.files.some((file) => mentioning.files.has(file)) ||
    inputs.dirs.some((dir) => hasUnder(mentioning.sorted, dir))
  );
}

/** Every chart's templates (`CHART/templates/*.y(a)ml` beside `CHART/Chart.yaml`), once per listing. */
function chartTemplates(index: TreeIndex): readonly { dir: string; file: string }[] {
  const { tree } = index;
  return tree.derived('chart-templates', () => {
    const files = tree.filesUnder('.');
    const charts = new Set(
      files.filter((f) => /(^|\/)Chart\.yaml$/.test(f)).map((f) => f.replace(/\/?Chart\.yaml$/, '')),
    );
    const templates: { dir: string; file: string }[] = [];
    for (const file of files) {
      const dir = /^(.*)\/templates\/[^/]+\.ya?ml$/.exec(file)?.[1];
      if (dir !== undefined && charts.has(dir)) templates.push({ dir, file });
    }
    return templates;
  });
}

/**
 * Helm charts whose templates produce Applications but that no committed Application deploys: the usual
 * app-of-apps root created by hand (`argocd app create apps --path apps`, as in argoproj's example apps).
 * Planning them as implicit roots makes such a repository work with no Mergeplane-specific edits.
 */
async function implicitRoots(
  index: TreeIndex,
  entries: Map<string, AppEntry>,
  isThisRepo: (url: string) => boolean,
  thisRepoUrl: string,
): Promise<{ dir: string; object: Record<string, unknown> }[]> {
  const deployed = new Set<string>();
  for (const entry of entries.values()) {
    if (entry.kind !== 'app') continue;
    for (const source of entry.app.sources) {
      if (source.path !== undefined && isThisRepo(source.repoURL))
        deployed.add(source.path.replace(/^\.\/|\/$/g, ''));
    }
  }
  const roots = new Set<string>();
  for (const { dir, file } of chartTemplates(index)) {
    if (deployed.has(dir) || roots.has(dir)) continue;
    const text = await index.text(file);
    if (text && /^kind:\s*Application\s*$/m.test(text) && text.includes('argoproj.io')) roots.add(dir);
  }
  return [...roots].sort().map((dir) => ({
    dir,
    object: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: dir.split('/').pop()!, namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: thisRepoUrl, path: dir, targetRevision: 'HEAD' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      },
    },
  }));
}

/**
 * Every Application Mergeplane plans at one revision: committed Applications, ApplicationSets expanded
 * natively, and (recursively) the children that app-of-apps parents render — children replace a
 * committed copy of themselves, since in the cluster they exist through their parent.
 */
export async function collectApplications(options: CollectOptions): Promise<CollectedApplications> {
  const { index, config } = options;
  const discovery = await discoverManifests(index.tree, {
    include: config.discovery.include,
    exclude: config.discovery.exclude,
    yamlCache: options.yamlCache,
    maxFileBytes: config.discovery.maxFileBytes,
    ...(options.caches ? { cache: options.caches.derivedCache<CachedFinding>('discovery') } : {}),
  });
  const clusters: ClusterEntry[] = config.clusters.map((c) => ({ ...c }));
  for (const found of discovery.clusterSecrets) {
    const cluster = clusterFromSecret(found.object);
    if (cluster && !clusters.some((c) => c.server === cluster.server)) clusters.push(cluster);
  }
  const registry = new ApplicationRegistry({
    tree: index.tree,
    clusters,
    isThisRepo: options.isThisRepo,
  });
  const { entries, applicationSets, pending } = registry;

  for (const found of discovery.applications) {
    registry.addApplication(found.object, { origin: found.file, file: found.file, line: found.line }, 0);
  }
  for (const found of discovery.applicationSets) {
    await registry.addApplicationSet(found.object, { file: found.file, line: found.line }, 0);
  }
  for (const root of await implicitRoots(index, entries, options.isThisRepo, options.thisRepoUrl)) {
    registry.addApplication(root.object, { origin: root.dir, file: `${root.dir}/Chart.yaml` }, 0);
  }

  const sorted = await argoMentions(options);
  const mentioning = { files: new Set(sorted), sorted };
  // Breadth-first over parents; `expanded` guards against cycles (an app that renders itself or its ancestor).
  const expanded = new Set<string>();
  while (pending.length > 0) {
    const { app, depth } = pending.shift()!;
    const key = applicationKey(app);
    if (expanded.has(key) || depth >= config.discovery.maxAppOfAppsDepth) continue;
    expanded.add(key);
    if (!(await mayContainApplications(app, options, mentioning))) continue;
    const objects = await options.renderObjects(app);
    if (!objects) continue;
    const file = app.sources.find((s) => s.path !== undefined)?.path;
    const where = {
      origin: `app-of-apps:${app.name}`,
      ...(file !== undefined ? { file } : {}),
      defaultNamespace: app.destination.namespace ?? app.namespace,
    };
    for (const object of objects) {
      if (isApplicationObject(object)) {
        const childKey = `${objectName(object).namespace ?? where.defaultNamespace}/${objectName(object).name}`;
        if (expanded.has(childKey)) continue;
        registry.addApplication(object, where, depth + 1);
      } else if (isApplicationSetObject(object)) {
        await registry.addApplicationSet(object, where, depth + 1);
      }
    }
  }
  return {
    entries,
    parseErrors: discovery.parseErrors,
    skipped: discovery.skipped,
    clusters,
    applicationSets,
  };
}
