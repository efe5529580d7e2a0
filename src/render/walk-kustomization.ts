import { isAbsolute } from 'node:path';
import { recordList, stringList } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import { parseYamlDocuments, parseYamlValue, YamlLimitError, yamlToJS } from '../model/safe-yaml.ts';
import { KUSTOMIZATION_FILES } from './detect-source-type.ts';
import { isAllowedRemote, isCertainlyRemoteRef, isRemoteRef } from './remote-ref.ts';
import { UnsafeContentError, UnsupportedSourceError } from './render-error.ts';
import { RepoFiles } from './repo-files.ts';

export interface KustomizationGraph {
  /** Repository-relative kustomization directories reached (each may read anything under it). */
  dirs: string[];
  /** Files referenced explicitly (usually under one of `dirs`; kustomize's load restrictor judges the rest). */
  files: string[];
  /** Repository-relative path of the root kustomization file, when there is one. */
  rootFile?: string;
  /** Kustomizations with `helmCharts` (only with enableHelm): Mergeplane inflates them before the build. */
  helmCharts: HelmChartsUse[];
}

export interface HelmChartsUse {
  /** The kustomization file and its directory (repository-relative). */
  file: string;
  dir: string;
  /** `helmGlobals.chartHome`, relative to `dir` (default `charts`). */
  chartHome: string;
  charts: Record<string, unknown>[];
}

export interface WalkKustomizationOptions {
  files: RepoFiles;
  /** Repository-relative directory of the app's kustomization. */
  dir: string;
  /** The root kustomization as it will be built (after the Application's overrides). */
  rootOverride?: (original: Record<string, unknown>) => Record<string, unknown>;
  allowedRemotes: readonly string[];
  appName: string;
  /** argocd `kustomize.buildOptions` has `--enable-helm`: helmCharts are collected instead of refused. */
  enableHelm?: boolean;
}

const FUNCTION_ANNOTATIONS = ['config.kubernetes.io/function', 'config.k8s.io/function'];

/** A plugin config kustomize would run as an external program: anything not `apiVersion: builtin`, or a KRM function. */
function pluginProblem(doc: unknown): string | undefined {
  if (!isRecord(doc)) return undefined;
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const kind = typeof doc.kind === 'string' ? doc.kind : 'unknown kind';
  const name = typeof metadata.name === 'string' ? ` ${metadata.name}` : '';
  if (FUNCTION_ANNOTATIONS.some((a) => a in annotations))
    return `${kind}${name} is a KRM function (exec or container)`;
  if (isRecord(doc.spec) && ('exec' in doc.spec || 'container' in doc.spec)) {
    return `${kind}${name} is a KRM function (exec or container)`;
  }
  if (doc.apiVersion !== 'builtin') return `${kind}${name} (${String(doc.apiVersion)}) is an external plugin`;
  return undefined;
}

type RefTarget = { rel: string; kind: 'file' | 'dir' | 'missing' } | undefined;

/** Files a kustomization names that are read as files (patches, generator inputs, CRDs, helm values…). */
function fileRefsOf(doc: Record<string, unknown>, enableHelm: boolean): string[] {
  const refs: string[] = [
    ...recordList(doc.patches).flatMap((p) => stringList(p.path)),
    ...recordList(doc.patchesJson6902).flatMap((p) => stringList(p.path)),
    ...recordList(doc.replacements).flatMap((r) => stringList(r.path)),
    // patchesStrategicMerge entries are file paths or inline patches.
    ...stringList(doc.patchesStrategicMerge).filter((p) => !p.includes('\n') && !/^\s*\w+\s*:/.test(p)),
    ...stringList(doc.crds),
    ...stringList(doc.configurations),
    ...(isRecord(doc.openapi) ? stringList(doc.openapi.path) : []),
    ...(enableHelm
      ? recordList(doc.helmCharts).flatMap((c) => [
          ...stringList(c.valuesFile),
          ...stringList(c.additionalValuesFiles),
        ])
      : []),
  ];
  for (const generator of [...recordList(doc.configMapGenerator), ...recordList(doc.secretGenerator)]) {
    refs.push(...stringList(generator.files).map((f) => f.slice(f.indexOf('=') + 1)));
    refs.push(...stringList(generator.envs), ...stringList(generator.env));
  }
  return refs;
}

/** One walk of a kustomization graph: what was reached, and the checks every kustomization passes. */
class KustomizationWalk {
  readonly dirs = new Set<string>();
  readonly helmUses: HelmChartsUse[] = [];
  readonly referenced = new Set<string>();
  rootFile: string | undefined;
  private readonly o: WalkKustomizationOptions;

  constructor(o: WalkKustomizationOptions) {
    this.o = o;
  }

  private tooLarge(where: string, error: YamlLimitError): UnsafeContentError {
    return new UnsafeContentError(`application ${this.o.appName}: ${where}: ${error.message}`, {
      file: where,
      ...(error.line !== undefined ? { line: error.line } : {}),
    });
  }

  checkPluginText(text: string, where: string): void {
    let docs: unknown[];
    try {
      docs = parseYamlDocuments(text, { uniqueKeys: true }).map((d) => yamlToJS(d));
    } catch (error) {
      if (error instanceof YamlLimitError) throw this.tooLarge(where, error);
      return;
    }
    for (const doc of docs) {
      const problem = pluginProblem(doc);
      if (problem) {
        throw new UnsafeContentError(
          `application ${this.o.appName}: ${where}: ${problem}; kustomize exec/KRM function plugins are not allowed`,
          { file: where },
        );
      }
    }
  }

  /** The kustomization file of `dir` and its document; undefined when there is none or kustomize should report it. */
  private async read(
    dir: string,
    isRoot: boolean,
  ): Promise<{ fileRel: string; doc: Record<string, unknown> } | undefined> {
    for (const name of KUSTOMIZATION_FILES) {
      const fileRel = dir === '.' ? name : `${dir}/${name}`;
      const text = await this.o.files.readText(fileRel);
      if (text === undefined) continue;
      if (isRoot) this.rootFile = fileRel;
      let doc: Record<string, unknown>;
      try {
        const parsed: unknown = parseYamlValue(text);
        doc = isRecord(parsed) ? parsed : {};
      } catch (error) {
        if (error instanceof YamlLimitError) throw this.tooLarge(fileRel, error);
        return undefined; // kustomize reports the syntax error itself, with its own wording.
      }
      return { fileRel, doc: isRoot && this.o.rootOverride ? this.o.rootOverride(doc) : doc };
    }
    return undefined;
  }

  /** `helmCharts`: collected for inflation with --enable-helm, refused (named) otherwise. */
  private checkHelm(doc: Record<string, unknown>, dir: string, fileRel: string): void {
    const helmCharts = recordList(doc.helmCharts);
    const helmGlobals = isRecord(doc.helmGlobals) ? doc.helmGlobals : undefined;
    if (this.o.enableHelm && helmCharts.length > 0 && !doc.helmChartInflationGenerator) {
      const chartHome = typeof helmGlobals?.chartHome === 'string' ? helmGlobals.chartHome : 'charts';
      if (RepoFiles.join(dir, chartHome) === undefined || isAbsolute(chartHome)) {
        throw new UnsafeContentError(
          `application ${this.o.appName}: ${fileRel}: helmGlobals.chartHome ${chartHome} leaves the repository`,
          { file: fileRel },
        );
      }
      this.helmUses.push({ file: fileRel, dir, chartHome, charts: helmCharts });
    } else if (helmCharts.length > 0 || helmGlobals !== undefined || doc.helmChartInflationGenerator) {
      throw new UnsupportedSourceError(
        `application ${this.o.appName}: ${fileRel}: kustomize helmCharts (--enable-helm) are not rendered by Mergeplane; use a Helm source instead`,
        { file: fileRel },
      );
    }
  }

  /** A reference of the kustomization in `dir`: local (inside the repository), an allowed remote (undefined), or refused. */
  private async resolveRef(ref: string, dir: string, fileRel: string): Promise<RefTarget> {
    const { files } = this.o;
    // kustomize reads `config.d/` or `v1.2/` locally when it exists; only a missing one could be a remote.
    if (!isCertainlyRemoteRef(ref) && !isAbsolute(ref)) {
      const local = RepoFiles.join(dir, ref);
      if (local !== undefined) {
        const checked = await files.check(local);
        if (checked.kind !== 'missing') return { rel: local, kind: checked.kind };
      }
    }
    if (isRemoteRef(ref)) {
      if (isAllowedRemote(ref, this.o.allowedRemotes)) return undefined;
      throw new UnsafeContentError(
        `application ${this.o.appName}: ${fileRel}: remote reference ${ref} is not allowed (add its URL prefix to render.allowedRemotes; renders have no network access by default)`,
        { file: fileRel },
      );
    }
    const rel = isAbsolute(ref) ? undefined : RepoFiles.join(dir, ref);
    if (rel === undefined) {
      throw new UnsafeContentError(
        `application ${this.o.appName}: ${fileRel}: ${ref} leaves the repository; only paths inside it can be used`,
        { file: fileRel },
      );
    }
    return { rel, kind: (await files.check(rel)).kind };
  }

  /** A kustomization reached from the root; in a plugin context (generators…) its files must be builtin plugins. */
  async visit(dir: string, isRoot: boolean, pluginContext: boolean): Promise<void> {
    const key = `${dir}\0${pluginContext}`;
    if (this.dirs.has(key)) return;
    this.dirs.add(key);
    const found = await this.read(dir, isRoot);
    if (!found) return;
    const { fileRel, doc } = found;
    this.checkHelm(doc, dir, fileRel);
    // Directories that are kustomizations (or plain files) — resources and their older/companion fields.
    for (const ref of [
      ...stringList(doc.resources),
      ...stringList(doc.bases),
      ...stringList(doc.components),
    ]) {
      await this.follow(await this.resolveRef(ref, dir, fileRel), pluginContext);
    }
    for (const field of ['generators', 'transformers', 'validators']) {
      for (const entry of Array.isArray(doc[field]) ? doc[field] : []) {
        if (isRecord(entry)) this.checkPluginText(JSON.stringify(entry), fileRel);
        else if (typeof entry !== 'string') continue;
        else if (entry.includes('\n') || /^\s*(apiVersion|kind)\s*:/m.test(entry))
          this.checkPluginText(entry, fileRel);
        else await this.follow(await this.resolveRef(entry, dir, fileRel), true);
      }
    }
    for (const ref of fileRefsOf(doc, this.o.enableHelm === true)) {
      const target = await this.resolveRef(ref, dir, fileRel);
      if (target && target.kind !== 'missing') this.referenced.add(target.rel);
    }
  }

  private async follow(target: RefTarget, pluginContext: boolean): Promise<void> {
    if (!target) return;
    if (target.kind === 'dir') await this.visit(target.rel, false, pluginContext);
    else if (target.kind === 'file') {
      this.referenced.add(target.rel);
      if (pluginContext) this.checkPluginText((await this.o.files.readText(target.rel)) ?? '', target.rel);
    }
  }
}

/**
 * Walks the kustomization graph from `dir` before kustomize runs: every local reference must stay inside the
 * repository; remote bases/files are refused unless allowed; generators/transformers/validators may only be
 * builtin plugin configs; `helmCharts` are collected with --enable-helm, refused otherwise. Returns what the
 * build may read.
 */
export async function walkKustomization(o: WalkKustomizationOptions): Promise<KustomizationGraph> {
  const walk = new KustomizationWalk(o);
  await walk.visit(o.dir, true, false);
  const graph: KustomizationGraph = {
    dirs: [...new Set([...walk.dirs].map((k) => k.split('\0')[0]!))].sort(),
    files: [...walk.referenced].sort(),
    helmCharts: walk.helmUses,
  };
  if (walk.rootFile !== undefined) graph.rootFile = walk.rootFile;
  return graph;
}
