import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Application, ApplicationSource } from '../gitops/application.ts';
import { isRecord, type KubeObject } from '../kube/kube-object.ts';
import { assertTreeInsideRoot, resolveInsideRoot } from './assert-inside-root.ts';
import { parseRenderedObjects } from './parse-rendered-objects.ts';
import type { RenderContext } from './render-context.ts';
import { RenderError, UnsafeContentError, UnsupportedSourceError } from './render-error.ts';
import { runTool } from './run-tool.ts';
import { toRenderError } from './to-render-error.ts';

const REMOTE_URL = /^(https?|oci):\/\//;

interface Dependency {
  name: string;
  repository: string;
}

async function readDependencies(chartDir: string): Promise<Dependency[]> {
  let chart: unknown;
  try {
    chart = parse(await readFile(join(chartDir, 'Chart.yaml'), 'utf8'));
  } catch {
    return [];
  }
  if (!isRecord(chart) || !Array.isArray(chart.dependencies)) return [];
  return chart.dependencies.filter(isRecord).map((d) => ({
    name: typeof d.name === 'string' ? d.name : '',
    repository: typeof d.repository === 'string' ? d.repository : '',
  }));
}

/**
 * Copies a chart and places its `file://` dependencies, unpacked, under `charts/` — what
 * `helm dependency build` would do, without network, and without writing into the shared checkout.
 */
async function materializeChart(
  ctx: RenderContext,
  repoChartDir: string,
  dest: string,
  label: string,
  depth = 0,
): Promise<void> {
  if (depth > 10) throw new RenderError(`${label}: chart dependencies nest deeper than 10 levels`);
  const src = await resolveInsideRoot(ctx.root, repoChartDir, label);
  await assertTreeInsideRoot(ctx.root, repoChartDir, label);
  await cp(src, dest, { recursive: true, dereference: true });
  for (const dep of await readDependencies(src)) {
    if (dep.repository === '' || !dep.repository.startsWith('file://')) continue;
    const depRepoDir = posix.normalize(posix.join(repoChartDir, dep.repository.slice('file://'.length)));
    await rm(join(dest, 'charts', dep.name), { recursive: true, force: true });
    await materializeChart(ctx, depRepoDir, join(dest, 'charts', dep.name), label, depth + 1);
  }
}

async function resolveValueFile(
  app: Application,
  source: ApplicationSource,
  chartPath: string,
  file: string,
  ctx: RenderContext,
  label: string,
): Promise<string | undefined> {
  if (REMOTE_URL.test(file)) {
    throw new UnsafeContentError(`${label}: remote value file ${file} is not fetched`);
  }
  let repoPath: string;
  if (file.startsWith('$')) {
    const slash = file.indexOf('/');
    const ref = file.slice(1, slash === -1 ? undefined : slash);
    const refSource = app.sources.find((s) => s.ref === ref);
    if (!refSource)
      throw new UnsupportedSourceError(`${label}: value file ${file} names an unknown source ref $${ref}`);
    if (!ctx.isThisRepo(refSource.repoURL)) {
      throw new UnsupportedSourceError(
        `${label}: value file ${file} comes from another repository (${refSource.repoURL}), which is not fetched`,
      );
    }
    repoPath = posix.normalize(slash === -1 ? '.' : file.slice(slash + 1));
  } else if (file.startsWith('/')) {
    repoPath = posix.normalize(file.slice(1));
  } else {
    repoPath = posix.normalize(posix.join(chartPath, file));
  }
  const full = await resolveInsideRoot(ctx.root, repoPath, `${label}: value file`);
  try {
    await readFile(full);
  } catch {
    if (source.helm?.ignoreMissingValueFiles) return undefined;
    throw new RenderError(`${label}: value file ${repoPath} does not exist`, { file: repoPath });
  }
  return full;
}

/** `helm template` with the Application's helm block, as Argo CD's repo-server runs it. */
export async function renderHelm(
  app: Application,
  source: ApplicationSource,
  ctx: RenderContext,
): Promise<KubeObject[]> {
  const label = `application ${app.name}`;
  const helm = source.helm ?? {};
  if (source.chart !== undefined) {
    throw new UnsupportedSourceError(
      `${label}: chart ${source.chart} from Helm repository ${source.repoURL} is not fetched; Mergeplane renders charts stored in this repository`,
    );
  }
  const chartPath = posix.normalize(source.path ?? '.');
  const work = await mkdtemp(join(tmpdir(), 'mergeplane-helm-'));
  try {
    const chartDir = await resolveInsideRoot(ctx.root, chartPath, label);
    await assertTreeInsideRoot(ctx.root, chartPath, label);
    const deps = await readDependencies(chartDir);
    const remote = deps.find((d) => d.repository !== '' && !d.repository.startsWith('file://'));
    if (remote && !ctx.allowedRemotes.some((p) => remote.repository.startsWith(p))) {
      throw new UnsafeContentError(
        `${label}: chart dependency ${remote.name} from ${remote.repository} is not fetched (not in render.allowedRemotes)`,
        { file: `${chartPath}/Chart.yaml` },
      );
    }
    let chart = chartDir;
    if (deps.some((d) => d.repository.startsWith('file://'))) {
      chart = join(work, 'chart');
      await materializeChart(ctx, chartPath, chart, label);
    }
    const args = ['template', helm.releaseName || app.name, chart];
    const namespace = helm.namespace || app.destination.namespace;
    if (namespace) args.push('--namespace', namespace);
    args.push(helm.skipCrds ? '--skip-crds' : '--include-crds');
    if (helm.skipTests) args.push('--skip-tests');
    if (helm.skipSchemaValidation) args.push('--skip-schema-validation');
    for (const file of helm.valueFiles ?? []) {
      const full = await resolveValueFile(app, source, chartPath, file, ctx, label);
      if (full) args.push('--values', full);
    }
    if (helm.values !== undefined && helm.values !== '') {
      const valuesFile = join(work, 'values-inline.yaml');
      await writeFile(valuesFile, typeof helm.values === 'string' ? helm.values : stringify(helm.values));
      args.push('--values', valuesFile);
    }
    if (helm.valuesObject !== undefined) {
      // valuesObject wins over values, as in Argo CD.
      const valuesFile = join(work, 'values-object.yaml');
      await writeFile(valuesFile, stringify(helm.valuesObject));
      args.push('--values', valuesFile);
    }
    for (const p of helm.parameters ?? []) {
      args.push(p.forceString ? '--set-string' : '--set', `${p.name}=${p.value}`);
    }
    for (const p of helm.fileParameters ?? []) {
      const full = await resolveInsideRoot(
        ctx.root,
        posix.normalize(posix.join(chartPath, p.path)),
        `${label}: file parameter`,
      );
      args.push('--set-file', `${p.name}=${full}`);
    }
    for (const v of helm.apiVersions ?? []) args.push('--api-versions', v);
    if (helm.kubeVersion) args.push('--kube-version', helm.kubeVersion);
    const home = join(work, 'helm');
    const { stdout } = await runTool({
      command: ctx.tools.helm,
      args,
      cwd: work,
      env: {
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
        HELM_PLUGINS: join(home, 'plugins'),
        HELM_REGISTRY_CONFIG: join(home, 'registry.json'),
        HELM_REPOSITORY_CONFIG: join(home, 'repositories.yaml'),
        HELM_REPOSITORY_CACHE: join(home, 'repository'),
      },
      timeoutMs: ctx.timeoutMs,
      maxOutputBytes: ctx.maxOutputBytes,
    });
    return parseRenderedObjects(stdout, { label: `${label}: helm output of ${chartPath}` });
  } catch (error) {
    throw toRenderError(error, `${label}: helm template ${chartPath} failed`, [
      join(work, 'chart'),
      work,
      ctx.root,
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
