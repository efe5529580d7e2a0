import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { stringList } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';
import { fetchChart } from './fetch-chart.ts';
import { hasUrlScheme } from './remote-ref.ts';
import { RenderError, UnsupportedSourceError } from './render-error.ts';
import { RepoFiles } from './repo-files.ts';
import { runTool } from './run-tool.ts';
import { type SourceJob, toolLimits, toolRenderError } from './source-job.ts';
import type { HelmChartsUse } from './walk-kustomization.ts';

/** helm's name for a release `helm template` is not given one, which kustomize leaves to it. */
const DEFAULT_RELEASE = 'release-name';

const isDir = async (path: string) => (await stat(path).catch(() => undefined))?.isDirectory() === true;

/**
 * What `kustomize build --enable-helm` does with `helmCharts`, done by Mergeplane so no tool fetches anything:
 * each chart — vendored under `chartHome` (`NAME-VERSION/NAME` or `NAME`), else fetched from its `repo` under
 * the plan's chart policy — is rendered by `helm template` with the entry's release name, namespace, values files
 * and inline values (`valuesMerge` override or replace), CRDs and tests as asked; the output replaces the entry
 * as a resource of the same kustomization, so the kustomization's transformers apply to it as to a generator's.
 */
export async function inflateHelmCharts(
  job: SourceJob,
  copyRoot: string,
  uses: readonly HelmChartsUse[],
): Promise<void> {
  for (const use of uses) {
    const dir = use.dir === '.' ? copyRoot : join(copyRoot, ...use.dir.split('/'));
    const resources: string[] = [];
    for (const [index, entry] of use.charts.entries()) {
      const output = await inflateOne(job, use, copyRoot, entry, index);
      const name = `mergeplane-helm-chart-${index}.yaml`;
      await writeFile(join(dir, name), output);
      resources.push(name);
    }
    const kustomizationPath = join(copyRoot, ...use.file.split('/'));
    const parsed: unknown = parseYamlValue(await readFile(kustomizationPath, 'utf8'));
    const doc = isRecord(parsed) ? { ...parsed } : {};
    delete doc.helmCharts;
    delete doc.helmGlobals;
    doc.resources = [...stringList(doc.resources), ...resources];
    await writeFile(kustomizationPath, stringify(doc));
  }
}

async function inflateOne(
  job: SourceJob,
  use: HelmChartsUse,
  copyRoot: string,
  entry: Record<string, unknown>,
  index: number,
): Promise<string> {
  const dir = use.dir === '.' ? copyRoot : join(copyRoot, ...use.dir.split('/'));
  const text = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined);
  const name = text('name');
  const what = `${use.file}: helmCharts[${index}]${name ? ` ${name}` : ''}`;
  const fail = (message: string) => new RenderError(`${job.where}: ${what}: ${message}`, { file: use.file });
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw fail('needs a chart name');
  const version = text('version');
  if (version !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(version)) {
    throw fail(`version ${JSON.stringify(version)} is not a chart version`);
  }
  const home = join(dir, ...use.chartHome.split('/'));
  let chart: string | undefined;
  for (const candidate of version
    ? [join(home, `${name}-${version}`, name), join(home, name)]
    : [join(home, name)]) {
    if (await isDir(candidate)) chart = candidate;
    if (chart) break;
  }
  const repo = text('repo');
  if (chart === undefined) {
    if (!repo) throw fail(`no repo and no vendored chart under ${use.chartHome}`);
    const fetched = await fetchChart(job, { repoURL: repo, chart: name, version }, what, { file: use.file });
    await mkdir(join(job.tempDir, 'helm-charts'), { recursive: true });
    chart = join(job.tempDir, 'helm-charts', `${index}-${name}-${fetched.version}.tgz`);
    await writeFile(chart, fetched.archive);
  }
  const args = ['template'];
  const namespace = text('namespace');
  if (namespace) args.push(`--namespace=${namespace}`);
  if (entry.includeCRDs === true) args.push('--include-crds');
  if (entry.skipTests === true) args.push('--skip-tests');
  const kubeVersion = text('kubeVersion');
  if (kubeVersion) args.push(`--kube-version=${kubeVersion}`);
  for (const apiVersion of stringList(entry.apiVersions)) args.push(`--api-versions=${apiVersion}`);
  const merge = text('valuesMerge') ?? 'override';
  if (merge !== 'override' && merge !== 'replace') {
    throw new UnsupportedSourceError(
      `${job.where}: ${what}: valuesMerge ${merge} is not supported (override, replace)`,
      {
        file: use.file,
      },
    );
  }
  const files =
    merge === 'replace' && entry.valuesInline !== undefined
      ? []
      : [...stringList(entry.valuesFile), ...stringList(entry.additionalValuesFiles)];
  for (const file of files) {
    if (hasUrlScheme(file)) {
      throw new UnsupportedSourceError(`${job.where}: ${what}: values file ${file} is remote`, {
        file: use.file,
      });
    }
    const rel = RepoFiles.join(use.dir, file);
    if (rel === undefined) throw fail(`values file ${file} leaves the repository`);
    args.push(`--values=${join(copyRoot, ...rel.split('/'))}`);
  }
  if (isRecord(entry.valuesInline)) {
    const inline = join(job.tempDir, `helm-chart-${index}-values.yaml`);
    await writeFile(inline, stringify(entry.valuesInline));
    args.push(`--values=${inline}`);
  }
  args.push('--', text('releaseName') ?? DEFAULT_RELEASE, chart);
  try {
    const { stdout } = await runTool({
      command: job.ctx.tools.helm,
      args,
      cwd: dir,
      ...toolLimits(job),
    });
    return stdout;
  } catch (error) {
    throw toolRenderError(error, job, {
      step: `helm template (${what})`,
      copyRoot,
      location: { file: use.file },
    });
  }
}
