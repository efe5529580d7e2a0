import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordList } from '../model/field-values.ts';
import { isRecord } from '../model/kube-object.ts';
import { parseYamlValue, YamlLimitError } from '../model/safe-yaml.ts';
import { fetchChart } from './fetch-chart.ts';
import { isAllowedRemote } from './remote-ref.ts';
import { UnsafeContentError } from './render-error.ts';
import { RepoFiles } from './repo-files.ts';
import type { SourceJob } from './source-job.ts';

export const NO_NETWORK =
  'renders have no network access and chart repositories are refused unless listed in render.allowedRemotes';

export interface ChartInfo {
  rel: string;
  name: string;
  /** file:// dependencies: dependency name → repository-relative chart dir. */
  localDeps: Map<string, string>;
}

export async function readYamlRecord(
  job: SourceJob,
  rel: string,
): Promise<Record<string, unknown> | undefined> {
  const text = await job.files.readText(rel);
  if (text === undefined) return undefined;
  try {
    const value: unknown = parseYamlValue(text);
    return isRecord(value) ? value : undefined;
  } catch (error) {
    if (error instanceof YamlLimitError) {
      throw new UnsafeContentError(`${job.where}: ${rel}: ${error.message}`, { file: rel });
    }
    return undefined; // helm reports the syntax error
  }
}

/** Names in a chart's charts/ directory that satisfy a dependency: an unpacked `name/` or a `name-*.tgz`. */
async function vendored(job: SourceJob, chartRel: string): Promise<string[]> {
  const checked = await job.files.check(chartRel === '.' ? 'charts' : `${chartRel}/charts`);
  if (checked.kind !== 'dir') return [];
  return readdir(checked.real!);
}

function isVendored(entries: string[], name: string): boolean {
  return entries.some((e) => e === name || (e.startsWith(`${name}-`) && e.endsWith('.tgz')));
}

/**
 * Reads the chart's dependencies (Chart.yaml, or requirements.yaml for v1 charts): `file://` ones must stay in
 * the repository and are collected recursively; repository ones must be vendored in charts/ unless allowed.
 * Returns whether `helm dependency build` is needed for the top chart.
 */
export async function collectCharts(
  job: SourceJob,
  top: string,
): Promise<{ charts: ChartInfo[]; needsBuild: boolean; remoteDeps: RemoteDependency[] }> {
  const charts = new Map<string, ChartInfo>();
  const remoteDeps: RemoteDependency[] = [];
  let needsBuild = false;
  const visit = async (rel: string, isTop: boolean): Promise<void> => {
    if (charts.has(rel)) return;
    const chartFile = rel === '.' ? 'Chart.yaml' : `${rel}/Chart.yaml`;
    const chart = await readYamlRecord(job, chartFile);
    const info: ChartInfo = {
      rel,
      name: typeof chart?.name === 'string' ? chart.name : rel.slice(rel.lastIndexOf('/') + 1),
      localDeps: new Map(),
    };
    charts.set(rel, info);
    const requirements = await readYamlRecord(
      job,
      rel === '.' ? 'requirements.yaml' : `${rel}/requirements.yaml`,
    );
    const deps = [...recordList(chart?.dependencies), ...recordList(requirements?.dependencies)];
    const present = deps.length > 0 ? await vendored(job, rel) : [];
    for (const dep of deps) {
      const name = typeof dep.name === 'string' ? dep.name : '';
      const repository = typeof dep.repository === 'string' ? dep.repository : '';
      const has = isVendored(present, name);
      if (repository.startsWith('file://')) {
        const local = repository.slice('file://'.length);
        const depRel = local.startsWith('/') ? undefined : RepoFiles.join(rel, local);
        if (depRel === undefined) {
          throw new UnsafeContentError(
            `${job.where}: ${chartFile}: dependency ${name} (${repository}) leaves the repository`,
            { file: chartFile },
          );
        }
        info.localDeps.set(name, depRel);
        if ((await job.files.check(depRel)).kind === 'dir') await visit(depRel, false);
        if (isTop && !has) needsBuild = true;
      } else if (repository !== '' && !has) {
        // A dependency of the top chart from a Helm repository or OCI registry: fetched like a chart source.
        if (isTop && job.ctx.charts !== undefined && /^(https?|oci):\/\//.test(repository)) {
          remoteDeps.push({
            name,
            repository,
            version:
              (await lockedVersion(job, rel, name, repository)) ??
              (typeof dep.version === 'string' ? dep.version : undefined),
            chartFile,
          });
          continue;
        }
        if (!isAllowedRemote(repository, job.ctx.allowedRemotes)) {
          throw new UnsafeContentError(
            `${job.where}: ${chartFile}: dependency ${name} comes from ${repository}, which cannot be fetched: ${NO_NETWORK} (vendor it in charts/ or use a file:// dependency)`,
            { file: chartFile },
          );
        }
        if (isTop) needsBuild = true;
      }
    }
  };
  await visit(top, true);
  return { charts: [...charts.values()], needsBuild, remoteDeps };
}

/** Puts each fetched dependency archive in the copy's charts/, where helm template finds it. */
export async function vendorRemoteDependencies(
  job: SourceJob,
  chartDir: string,
  deps: RemoteDependency[],
): Promise<void> {
  await mkdir(join(chartDir, 'charts'), { recursive: true });
  for (const dep of deps) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(dep.name) || dep.name.includes('..')) {
      throw new UnsafeContentError(
        `${job.where}: ${dep.chartFile}: dependency name ${JSON.stringify(dep.name)} is not a chart name`,
        { file: dep.chartFile },
      );
    }
    const fetched = await fetchChart(
      job,
      { repoURL: dep.repository, chart: dep.name, version: dep.version },
      `${dep.chartFile}: dependency ${dep.name}`,
      { file: dep.chartFile },
    );
    await writeFile(join(chartDir, 'charts', `${dep.name}-${fetched.version}.tgz`), fetched.archive);
  }
}

/** Copies the top chart's file:// dependencies into its charts/ as unpacked charts (what helm accepts vendored). */
export async function vendorLocalDependencies(
  top: ChartInfo,
  copyRoot: string,
  chartDir: string,
): Promise<void> {
  const present = await readdir(join(chartDir, 'charts')).catch(() => [] as string[]);
  for (const [name, depRel] of top.localDeps) {
    if (isVendored(present, name)) continue;
    await cp(join(copyRoot, ...depRel.split('/')), join(chartDir, 'charts', name), { recursive: true });
  }
}

export interface RemoteDependency {
  name: string;
  repository: string;
  /** Chart.lock's pinned version, else Chart.yaml's constraint. */
  version: string | undefined;
  chartFile: string;
}

/** The version Chart.lock (requirements.lock for v1 charts) pins for a dependency, as `helm dependency build` uses. */
async function lockedVersion(
  job: SourceJob,
  rel: string,
  name: string,
  repository: string,
): Promise<string | undefined> {
  for (const lockName of ['Chart.lock', 'requirements.lock']) {
    const lock = await readYamlRecord(job, rel === '.' ? lockName : `${rel}/${lockName}`);
    const entry = recordList(lock?.dependencies).find((d) => d.name === name && d.repository === repository);
    if (typeof entry?.version === 'string') return entry.version;
  }
  return undefined;
}
