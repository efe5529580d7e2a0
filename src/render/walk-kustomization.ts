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

/**
 * Walks the kustomization graph from `dir` before kustomize runs: every local reference must stay inside the
 * repository; remote bases/files are refused unless allowed; generators/transformers/validators may only be
 * builtin plugin configs; `helmCharts` (needs --enable-helm) is refused. Returns what the build may read.
 */
export async function walkKustomization(o: WalkKustomizationOptions): Promise<KustomizationGraph> {
  const { files } = o;
  const dirs = new Set<string>();
  const helmUses: HelmChartsUse[] = [];
  const referenced = new Set<string>();
  let rootFile: string | undefined;

  const tooLarge = (where: string, error: YamlLimitError) =>
    new UnsafeContentError(`application ${o.appName}: ${where}: ${error.message}`, {
      file: where,
      ...(error.line !== undefined ? { line: error.line } : {}),
    });

  const checkPluginText = (text: string, where: string) => {
    let docs: unknown[];
    try {
      docs = parseYamlDocuments(text, { uniqueKeys: true }).map((d) => yamlToJS(d));
    } catch (error) {
      if (error instanceof YamlLimitError) throw tooLarge(where, error);
      return;
    }
    for (const doc of docs) {
      const problem = pluginProblem(doc);
      if (problem) {
        throw new UnsafeContentError(
          `application ${o.appName}: ${where}: ${problem}; kustomize exec/KRM function plugins are not allowed`,
          { file: where },
        );
      }
    }
  };

  const visit = async (dir: string, isRoot: boolean, pluginContext: boolean): Promise<void> => {
    const key = `${dir}\0${pluginContext}`;
    if (dirs.has(key)) return;
    dirs.add(key);
    let fileRel: string | undefined;
    let text: string | undefined;
    for (const name of KUSTOMIZATION_FILES) {
      const candidate = dir === '.' ? name : `${dir}/${name}`;
      text = await files.readText(candidate);
      if (text !== undefined) {
        fileRel = candidate;
        break;
      }
    }
    if (fileRel === undefined || text === undefined) return;
    if (isRoot) rootFile = fileRel;
    let doc: Record<string, unknown>;
    try {
      const parsed: unknown = parseYamlValue(text);
      doc = isRecord(parsed) ? parsed : {};
    } catch (error) {
      if (error instanceof YamlLimitError) throw tooLarge(fileRel, error);
      return; // kustomize reports the syntax error itself, with its own wording.
    }
    if (isRoot && o.rootOverride) doc = o.rootOverride(doc);

    const helmCharts = recordList(doc.helmCharts);
    const helmGlobals = isRecord(doc.helmGlobals) ? doc.helmGlobals : undefined;
    if (o.enableHelm && helmCharts.length > 0 && !doc.helmChartInflationGenerator) {
      const chartHome = typeof helmGlobals?.chartHome === 'string' ? helmGlobals.chartHome : 'charts';
      if (RepoFiles.join(dir, chartHome) === undefined || isAbsolute(chartHome)) {
        throw new UnsafeContentError(
          `application ${o.appName}: ${fileRel}: helmGlobals.chartHome ${chartHome} leaves the repository`,
          { file: fileRel },
        );
      }
      helmUses.push({ file: fileRel, dir, chartHome, charts: helmCharts });
    } else if (helmCharts.length > 0 || helmGlobals !== undefined || doc.helmChartInflationGenerator) {
      throw new UnsupportedSourceError(
        `application ${o.appName}: ${fileRel}: kustomize helmCharts (--enable-helm) are not rendered by Mergeplane; use a Helm source instead`,
        { file: fileRel },
      );
    }

    const resolveRef = async (
      ref: string,
    ): Promise<{ rel: string; kind: 'file' | 'dir' | 'missing' } | undefined> => {
      // kustomize reads `config.d/` or `v1.2/` locally when it exists; only a missing one could be a remote.
      if (!isCertainlyRemoteRef(ref) && !isAbsolute(ref)) {
        const local = RepoFiles.join(dir, ref);
        if (local !== undefined) {
          const checked = await files.check(local);
          if (checked.kind !== 'missing') return { rel: local, kind: checked.kind };
        }
      }
      if (isRemoteRef(ref)) {
        if (isAllowedRemote(ref, o.allowedRemotes)) return undefined;
        throw new UnsafeContentError(
          `application ${o.appName}: ${fileRel}: remote reference ${ref} is not allowed (add its URL prefix to render.allowedRemotes; renders have no network access by default)`,
          { file: fileRel },
        );
      }
      const rel = isAbsolute(ref) ? undefined : RepoFiles.join(dir, ref);
      if (rel === undefined) {
        throw new UnsafeContentError(
          `application ${o.appName}: ${fileRel}: ${ref} leaves the repository; only paths inside it can be used`,
          { file: fileRel },
        );
      }
      const checked = await files.check(rel);
      return { rel, kind: checked.kind };
    };

    // Directories that are kustomizations (or plain files) — resources and their older/companion fields.
    const dirRefs = [...stringList(doc.resources), ...stringList(doc.bases), ...stringList(doc.components)];
    for (const ref of dirRefs) {
      const target = await resolveRef(ref);
      if (!target) continue;
      if (target.kind === 'dir') await visit(target.rel, false, pluginContext);
      else if (target.kind === 'file') {
        referenced.add(target.rel);
        if (pluginContext) checkPluginText((await files.readText(target.rel)) ?? '', target.rel);
      }
    }

    for (const field of ['generators', 'transformers', 'validators']) {
      for (const entry of Array.isArray(doc[field]) ? doc[field] : []) {
        if (isRecord(entry)) {
          checkPluginText(JSON.stringify(entry), fileRel);
          continue;
        }
        if (typeof entry !== 'string') continue;
        if (entry.includes('\n') || /^\s*(apiVersion|kind)\s*:/m.test(entry)) {
          checkPluginText(entry, fileRel);
          continue;
        }
        const target = await resolveRef(entry);
        if (!target) continue;
        if (target.kind === 'dir') await visit(target.rel, false, true);
        else if (target.kind === 'file') {
          referenced.add(target.rel);
          checkPluginText((await files.readText(target.rel)) ?? '', target.rel);
        }
      }
    }

    const fileRefs: string[] = [
      ...recordList(doc.patches).flatMap((p) => stringList(p.path)),
      ...recordList(doc.patchesJson6902).flatMap((p) => stringList(p.path)),
      ...recordList(doc.replacements).flatMap((r) => stringList(r.path)),
      // patchesStrategicMerge entries are file paths or inline patches.
      ...stringList(doc.patchesStrategicMerge).filter((p) => !p.includes('\n') && !/^\s*\w+\s*:/.test(p)),
      ...stringList(doc.crds),
      ...stringList(doc.configurations),
      ...(isRecord(doc.openapi) ? stringList(doc.openapi.path) : []),
      ...(o.enableHelm
        ? helmCharts.flatMap((c) => [...stringList(c.valuesFile), ...stringList(c.additionalValuesFiles)])
        : []),
    ];
    for (const generator of [...recordList(doc.configMapGenerator), ...recordList(doc.secretGenerator)]) {
      fileRefs.push(...stringList(generator.files).map((f) => f.slice(f.indexOf('=') + 1)));
      fileRefs.push(...stringList(generator.envs), ...stringList(generator.env));
    }
    for (const ref of fileRefs) {
      const target = await resolveRef(ref);
      if (target && target.kind !== 'missing') referenced.add(target.rel);
    }
  };

  await visit(o.dir, true, false);
  const graph: KustomizationGraph = {
    dirs: [...new Set([...dirs].map((k) => k.split('\0')[0]!))].sort(),
    files: [...referenced].sort(),
    helmCharts: helmUses,
  };
  if (rootFile !== undefined) graph.rootFile = rootFile;
  return graph;
}
