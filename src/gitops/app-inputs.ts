import picomatch from 'picomatch';
import { recordList, stringList } from '../model/field-values.ts';
import { joinRepoPath } from '../model/join-repo-path.ts';
import { isRecord } from '../model/kube-object.ts';
import type { DependencyDepth, RevisionTree } from '../model/revision-tree.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';
import type { YamlCache } from '../model/yaml-cache.ts';
import type { Application, ApplicationSource } from './application.ts';
import { openDirectoryTree } from './directory-tree.ts';
import type { IsLocalSource } from './local-source.ts';
import { compileSafeGlob } from './safe-glob.ts';

/**
 * What a render of an application reads from this repository: repository-relative POSIX paths, sorted and
 * deduplicated. `dirs` stand for everything under them (`.` is the whole repository); `generatePaths` are
 * the `manifest-generate-paths` annotation's entries (and globbed value files), which may be glob patterns.
 */
export interface AppInputs {
  files: string[];
  dirs: string[];
  generatePaths?: string[];
}

/** App inputs with the tree paths their collection looked at: equal dependency keys in another tree, equal inputs. */
export interface CollectedInputs {
  inputs: AppInputs;
  dependencies: Map<string, DependencyDepth>;
}

const GENERATE_PATHS_ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

type PathKind = { kind: 'file' | 'dir'; real: string } | { kind: 'missing' } | { kind: 'outside' };

/** kustomize fetches these itself (and Mergeplane's render refuses them unless allowed): nothing local to read. */
function isRemote(ref: string): boolean {
  return URL_SCHEME.test(ref) || ref.startsWith('git@') || ref.startsWith('git::') || ref.includes('?ref=');
}

function isGlob(path: string): boolean {
  return picomatch.scan(path).isGlob;
}

class InputCollector {
  readonly files = new Set<string>();
  readonly dirs = new Set<string>();
  readonly generatePaths = new Set<string>();
  readonly dependencies = new Map<string, DependencyDepth>();
  private readonly tree: RevisionTree;
  private readonly kinds = new Map<string, Promise<PathKind>>();
  private readonly kustomizations = new Set<string>();
  private readonly charts = new Set<string>();
  private readonly scanned = new Set<string>();

  private readonly yamlCache: YamlCache | undefined;

  constructor(tree: RevisionTree, yamlCache: YamlCache | undefined) {
    this.tree = tree;
    this.yamlCache = yamlCache;
  }

  private readonly record = (path: string, depth: DependencyDepth): void => {
    if (this.dependencies.get(path) !== 'content') this.dependencies.set(path, depth);
  };

  /** Where a repository path leads, following symlinks, and whether it stays inside the tree. */
  kindOf(path: string): Promise<PathKind> {
    let kind = this.kinds.get(path);
    if (!kind) {
      kind = this.tree.resolve(path, this.record);
      this.kinds.set(path, kind);
    }
    return kind;
  }

  /** A YAML object file (a link is followed inside the tree, as the tools follow it); undefined otherwise. */
  async readYaml(path: string): Promise<Record<string, unknown> | undefined> {
    const kind = await this.kindOf(path);
    if (kind.kind !== 'file') return undefined;
    this.record(kind.real, 'content');
    const text = await this.tree.text(kind.real);
    if (text === undefined) return undefined;
    try {
      const value: unknown = this.yamlCache ? this.yamlCache.parseValue(text) : parseYamlValue(text);
      return isRecord(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Entries under a real directory; the listing depends on everything under it. */
  private listUnder(dir: string): string[] {
    this.record(dir, 'content');
    return this.tree.filesUnder(dir);
  }

  async addFile(path: string): Promise<void> {
    this.files.add(path);
    const kind = await this.kindOf(path);
    if (kind.kind === 'file') this.files.add(kind.real);
    else if (kind.kind === 'dir') await this.addDir(path);
  }

  /** A whole directory, plus whatever its symlinks lead to elsewhere in the repository (tools follow them). */
  async addDir(path: string): Promise<void> {
    const kind = await this.kindOf(path);
    if (kind.kind !== 'dir') {
      if (kind.kind === 'missing') this.dirs.add(path);
      return;
    }
    this.dirs.add(path);
    this.dirs.add(kind.real);
    await this.scanSymlinks(kind.real);
  }

  private async scanSymlinks(dir: string): Promise<void> {
    for (const done of this.scanned) {
      if (done === '.' || dir === done || dir.startsWith(`${done}/`)) return;
    }
    this.scanned.add(dir);
    for (const path of this.listUnder(dir)) {
      if (this.tree.entry(path)?.kind !== 'symlink') continue;
      const target = await this.kindOf(path);
      if (target.kind === 'file') this.files.add(target.real);
      else if (target.kind === 'dir') await this.addDir(target.real);
    }
  }

  /** Adds every existing file matching a glob (and keeps the pattern, so a file added later still counts). */
  async addGlob(pattern: string): Promise<void> {
    const matches = compileSafeGlob(pattern);
    if (!matches) return;
    this.generatePaths.add(pattern);
    const base = joinRepoPath('.', picomatch.scan(pattern).base) ?? '.';
    const real = await this.kindOf(base);
    if (real.kind !== 'dir') return;
    for (const path of this.listUnder(real.real)) {
      const shown = base === real.real ? path : `${base}${path.slice(real.real.length)}`;
      if (matches(shown)) await this.addFile(shown);
    }
  }

  /** A Helm chart directory: the chart itself plus its `file://` dependencies, recursively. */
  async addChart(dir: string): Promise<void> {
    if (this.charts.has(dir)) return;
    this.charts.add(dir);
    for (const name of ['Chart.yaml', 'requirements.yaml']) {
      const doc = await this.readYaml(dir === '.' ? name : `${dir}/${name}`);
      for (const dependency of recordList(doc?.dependencies)) {
        const repository = dependency.repository;
        if (typeof repository !== 'string' || !repository.startsWith('file://')) continue;
        const local = repository.slice('file://'.length);
        if (local.startsWith('/')) continue;
        const depDir = joinRepoPath(dir, local);
        if (depDir === undefined) continue;
        await this.addDir(depDir);
        await this.addChart(depDir);
      }
    }
  }

  /** A local reference from a kustomization: a file, or a directory that may itself be a kustomization. */
  private async addKustomizeRef(dir: string, ref: string): Promise<void> {
    if (ref === '' || ref.includes('\n') || ref.startsWith('/') || isRemote(ref)) return;
    const path = joinRepoPath(dir, ref);
    if (path === undefined) return;
    const kind = await this.kindOf(path);
    if (kind.kind === 'dir') {
      await this.addDir(path);
      await this.addKustomization(kind.real);
    } else if (kind.kind !== 'outside') {
      await this.addFile(path);
    }
  }

  async addKustomization(dir: string): Promise<void> {
    if (this.kustomizations.has(dir)) return;
    this.kustomizations.add(dir);
    let doc: Record<string, unknown> | undefined;
    for (const name of KUSTOMIZATION_FILES) {
      const file = dir === '.' ? name : `${dir}/${name}`;
      doc = await this.readYaml(file);
      if (doc) {
        this.files.add(file);
        break;
      }
    }
    if (!doc) return;
    const refs: string[] = [
      ...stringList(doc.resources),
      ...stringList(doc.bases),
      ...stringList(doc.components),
      ...stringList(doc.crds),
      ...stringList(doc.configurations),
      ...stringList(doc.generators),
      ...stringList(doc.transformers),
      ...stringList(doc.validators),
      ...stringList(doc.patchesStrategicMerge),
      ...recordList(doc.patches).flatMap((p) => stringList(p.path)),
      ...recordList(doc.patchesJson6902).flatMap((p) => stringList(p.path)),
      ...recordList(doc.replacements).flatMap((r) => stringList(r.path)),
      ...(isRecord(doc.openapi) ? stringList(doc.openapi.path) : []),
    ];
    for (const generator of [...recordList(doc.configMapGenerator), ...recordList(doc.secretGenerator)]) {
      // `files` entries may be `key=path`.
      refs.push(...stringList(generator.files).map((f) => f.slice(f.indexOf('=') + 1)));
      refs.push(...stringList(generator.envs), ...stringList(generator.env));
    }
    // Kustomize's own Helm inflation: not rendered by Mergeplane, but its inputs still decide the output.
    const helmCharts = recordList(doc.helmCharts);
    if (helmCharts.length > 0) {
      const globals = isRecord(doc.helmGlobals) ? doc.helmGlobals : {};
      refs.push(typeof globals.chartHome === 'string' ? globals.chartHome : 'charts');
      for (const chart of helmCharts)
        refs.push(...stringList(chart.valuesFile), ...stringList(chart.additionalValuesFiles));
    }
    for (const ref of refs) await this.addKustomizeRef(dir, ref);
  }

  async addSourceKustomize(dir: string, source: ApplicationSource): Promise<void> {
    await this.addKustomization(dir);
    for (const component of source.kustomize?.components ?? []) await this.addKustomizeRef(dir, component);
    for (const patch of source.kustomize?.patches ?? []) {
      for (const path of stringList(patch.path)) await this.addKustomizeRef(dir, path);
    }
  }

  /** A Helm value file or file parameter: relative to the chart, `/x` from the repository root, `$ref/x` via a ref source. */
  async addHelmFile(app: Application, chartDir: string | undefined, ref: string, isLocal: IsLocalSource) {
    let path: string | undefined;
    const refMatch = /^\$([^/]+)\/(.*)$/.exec(ref);
    if (refMatch) {
      const refSource = app.sources.find((s) => s.ref === refMatch[1]);
      if (!refSource || !isLocal(refSource)) return;
      path = joinRepoPath('.', refMatch[2] ?? '');
    } else if (URL_SCHEME.test(ref) || chartDir === undefined) {
      // A URL, or a path inside a chart fetched from a chart repository: not in this repository.
      return;
    } else if (ref.startsWith('/')) {
      path = joinRepoPath('.', ref);
    } else {
      path = joinRepoPath(chartDir, ref);
    }
    if (path === undefined || path === '.') return;
    if (isGlob(path)) await this.addGlob(path);
    else await this.addFile(path);
  }

  addGeneratePaths(annotation: string, sourceDirs: string[]): void {
    for (const raw of annotation.split(';')) {
      const item = raw.trim();
      if (item === '') continue;
      const targets = item.startsWith('/')
        ? [joinRepoPath('.', item)]
        : sourceDirs.map((d) => joinRepoPath(d, item));
      for (const target of targets) if (target !== undefined) this.generatePaths.add(target);
    }
  }
}

/**
 * Every repository path a render of `app` reads, for each source that is this repository: the source
 * directory; Helm value files (including `$ref/...` through a ref source), file parameters and `file://`
 * dependency charts; Kustomize resources, bases, components, patches, generator files, CRDs, OpenAPI and
 * replacement files, transitively; symlink targets inside the repository. Remote references, paths leaving
 * the repository and unreadable kustomizations are skipped — the render reports those. The
 * `manifest-generate-paths` annotation adds trigger paths (Argo CD uses them instead of the source dir;
 * Mergeplane adds them, since what the render reads must still count).
 */
export async function collectAppInputs(
  app: Application,
  root: string | RevisionTree,
  options: { isLocal: IsLocalSource; yamlCache?: YamlCache },
): Promise<AppInputs> {
  const tree = typeof root === 'string' ? await openDirectoryTree(root) : root;
  return (await collectAppInputsFromTree(app, tree, options)).inputs;
}

/** `collectAppInputs` over a revision tree, with the paths it looked at (to reuse the result while they hold). */
export async function collectAppInputsFromTree(
  app: Application,
  tree: RevisionTree,
  options: { isLocal: IsLocalSource; yamlCache?: YamlCache },
): Promise<CollectedInputs> {
  const collector = new InputCollector(tree, options.yamlCache);
  const sourceDirs: string[] = [];
  for (const source of app.sources) {
    if (source.path === undefined && source.chart !== undefined) {
      // A chart from a chart repository still reads value files of this repository through `$ref/...`.
      for (const valueFile of source.helm?.valueFiles ?? []) {
        if (typeof valueFile === 'string')
          await collector.addHelmFile(app, undefined, valueFile, options.isLocal);
      }
      for (const parameter of source.helm?.fileParameters ?? []) {
        if (typeof parameter?.path === 'string')
          await collector.addHelmFile(app, undefined, parameter.path, options.isLocal);
      }
      continue;
    }
    if (!options.isLocal(source) || source.path === undefined) continue;
    // Argo CD joins the path securely onto the repository root, so `/apps` is `apps`.
    const dir = joinRepoPath('.', source.path);
    if (dir === undefined) continue;
    sourceDirs.push(dir);
    await collector.addDir(dir);
    const kind = await collector.kindOf(dir);
    const realDir = kind.kind === 'dir' ? kind.real : dir;
    // Both tool families are followed whatever the detected type: reading too much costs a render, too little misses a change.
    for (const valueFile of source.helm?.valueFiles ?? []) {
      if (typeof valueFile === 'string') await collector.addHelmFile(app, dir, valueFile, options.isLocal);
    }
    for (const parameter of source.helm?.fileParameters ?? []) {
      if (typeof parameter?.path === 'string')
        await collector.addHelmFile(app, dir, parameter.path, options.isLocal);
    }
    await collector.addChart(realDir);
    await collector.addSourceKustomize(realDir, source);
  }
  const annotation = app.annotations[GENERATE_PATHS_ANNOTATION];
  if (annotation !== undefined) collector.addGeneratePaths(annotation, sourceDirs);
  const inputs: AppInputs = { files: [...collector.files].sort(), dirs: [...collector.dirs].sort() };
  if (collector.generatePaths.size > 0) inputs.generatePaths = [...collector.generatePaths].sort();
  return { inputs, dependencies: collector.dependencies };
}
