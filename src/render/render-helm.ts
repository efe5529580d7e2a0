import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { stringify } from 'yaml';
import type { HelmSource } from '../gitops/application.ts';
import { compileSafeGlob } from '../gitops/safe-glob.ts';
import { DNS_SUBDOMAIN_RULE, isDnsSubdomain } from '../model/kube-names.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { findUnsafeHelmSchema } from './check-helm-schemas.ts';
import {
  type ChartInfo,
  collectCharts,
  NO_NETWORK,
  vendorLocalDependencies,
  vendorRemoteDependencies,
} from './helm-dependencies.ts';
import { parseRendered } from './parse-rendered.ts';
import { hasUrlScheme, isAllowedRemote } from './remote-ref.ts';
import {
  type ErrorLocation,
  RenderError,
  UnsafeContentError,
  UnsupportedSourceError,
} from './render-error.ts';
import { RepoFiles } from './repo-files.ts';
import { runTool } from './run-tool.ts';
import { type SourceJob, scrubPaths, toolLimits, toolRenderError } from './source-job.ts';

type ResolvedFile =
  | { kind: 'path'; rel: string }
  | { kind: 'url'; url: string }
  | { kind: 'missing'; shown: string };

/** Resolves a value file or file parameter: `$ref/x` via a ref source, `/x` from the root, else relative to the chart. */
async function resolveHelmFile(
  job: SourceJob,
  chartRel: string | undefined,
  ref: string,
  what: string,
  allowGlob: boolean,
): Promise<ResolvedFile[]> {
  let rel: string | undefined;
  const refMatch = /^\$([^/]+)\/(.*)$/.exec(ref);
  if (refMatch) {
    const refSource = job.app.sources.find((s) => s.ref === refMatch[1]);
    if (!refSource) throw new RenderError(`${job.where}: ${what} ${ref}: no source has ref ${refMatch[1]}`);
    if (!job.ctx.isLocal(refSource)) {
      throw new UnsupportedSourceError(
        `${job.where}: ${what} ${ref}: ref ${refMatch[1]} is ${refSource.repoURL} at ${refSource.targetRevision || 'HEAD'}, not the tree this source is read from; values from a third tree are not supported`,
      );
    }
    rel = RepoFiles.join('.', refMatch[2] ?? '');
  } else if (hasUrlScheme(ref)) {
    // As Argo CD: only a URL is remote; `env.d/prod.yaml` is a path relative to the chart.
    if (isAllowedRemote(ref, job.ctx.allowedRemotes)) return [{ kind: 'url', url: ref }];
    throw new UnsafeContentError(
      `${job.where}: ${what} ${ref} is remote and cannot be fetched: ${NO_NETWORK}`,
    );
  } else if (ref.startsWith('/')) {
    rel = RepoFiles.join('.', ref);
  } else if (chartRel !== undefined) {
    rel = RepoFiles.join(chartRel, ref);
  } else {
    throw new UnsupportedSourceError(
      `${job.where}: ${what} ${ref} is relative to a chart from a Helm repository; use $ref/... or an absolute repository path`,
    );
  }
  if (rel === undefined || rel === '.') {
    throw new UnsafeContentError(`${job.where}: ${what} ${ref} leaves the repository`);
  }
  if (allowGlob && picomatch.scan(rel).isGlob) {
    const base = RepoFiles.join('.', picomatch.scan(rel).base) ?? '.';
    const matches = compileSafeGlob(rel);
    if (!matches) throw new UnsafeContentError(`${job.where}: ${what} pattern ${ref} is too complex`);
    const found = (await job.files.walk(base, { recurse: true }))
      .map((f) => ({ rel: base === '.' ? f.rel : `${base}/${f.rel}`, real: f.real }))
      .filter((f) => matches(f.rel))
      .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    if (found.length === 0) return [{ kind: 'missing', shown: rel }];
    return found.map((f) => ({ kind: 'path', rel: f.rel }));
  }
  const checked = await job.files.check(rel);
  if (checked.kind !== 'file') return [{ kind: 'missing', shown: rel }];
  return [{ kind: 'path', rel }];
}

/** Helm's own rule for release names (`chartutil.ValidateReleaseName`): a DNS-1123 subdomain of at most 53 characters. */
const MAX_RELEASE_NAME = 53;

/** `helm.releaseName`, else the Application's name, checked as helm checks it before it reaches the tool. */
export function releaseName(job: SourceJob): string {
  const explicit = job.source.helm?.releaseName;
  const release = explicit || job.app.name;
  if (isDnsSubdomain(release, MAX_RELEASE_NAME)) return release;
  const field = explicit
    ? `${job.app.multiSource ? 'spec.sources[].helm' : 'spec.source.helm'}.releaseName`
    : 'metadata.name (the default release name)';
  throw new RenderError(
    `${job.where}: ${field} ${JSON.stringify(release.slice(0, 80))} is not a valid Helm release name: at most ${MAX_RELEASE_NAME} characters of ${DNS_SUBDOMAIN_RULE}`,
  );
}

/** Argo CD escapes commas in --set values (helm would split on them) unless the value is a `{a,b}` list. */
function setValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  return value.replace(/(?<!\\),/g, '\\,');
}

/**
 * A value or parameter file, copied into the render's tree at its repository path: the tool reads only the
 * copy (the sandbox user cannot read the checkout), and its messages name the repository path.
 */
async function copiedFile(job: SourceJob, rel: string): Promise<string> {
  const copyRoot = join(job.tempDir, 'repo');
  await job.files.copy([rel], copyRoot);
  return join(copyRoot, ...rel.split('/'));
}

/**
 * Every option is one `--flag=value` word, so no repository value can be read as another option; the
 * release and chart go after `--`.
 */
export async function helmArgs(job: SourceJob, chartRel: string | undefined): Promise<string[]> {
  const helm: HelmSource = job.source.helm ?? {};
  const args: string[] = [];
  const namespace = helm.namespace || job.app.destination.namespace;
  if (namespace) args.push(`--namespace=${namespace}`);
  if (helm.kubeVersion) args.push(`--kube-version=${helm.kubeVersion}`);
  for (const valueFile of helm.valueFiles ?? []) {
    for (const resolved of await resolveHelmFile(job, chartRel, valueFile, 'value file', true)) {
      if (resolved.kind === 'missing') {
        if (helm.ignoreMissingValueFiles) continue;
        throw new RenderError(`${job.where}: value file ${valueFile} not found (${resolved.shown})`, {
          file: resolved.shown,
        });
      }
      args.push(`--values=${resolved.kind === 'path' ? await copiedFile(job, resolved.rel) : resolved.url}`);
    }
  }
  // Argo CD: valuesObject wins over the values string.
  const inline =
    helm.valuesObject !== undefined && helm.valuesObject !== null
      ? stringify(helm.valuesObject)
      : typeof helm.values === 'string' && helm.values.trim() !== ''
        ? helm.values
        : undefined;
  if (inline !== undefined) {
    const path = join(job.tempDir, 'values', 'inline-values.yaml');
    await mkdir(join(job.tempDir, 'values'), { recursive: true });
    await writeFile(path, inline);
    args.push(`--values=${path}`);
  }
  for (const p of helm.parameters ?? []) {
    const flag = p.forceString ? '--set-string' : '--set';
    args.push(`${flag}=${p.name}=${setValue(String(p.value ?? ''))}`);
  }
  for (const p of helm.fileParameters ?? []) {
    const [resolved] = await resolveHelmFile(job, chartRel, p.path, `file parameter ${p.name}:`, false);
    if (!resolved || resolved.kind === 'missing') {
      throw new RenderError(`${job.where}: file parameter ${p.name}: ${p.path} not found`);
    }
    if (resolved.kind === 'url')
      throw new UnsupportedSourceError(`${job.where}: file parameter ${p.name} cannot be a URL`);
    args.push(`--set-file=${p.name}=${await copiedFile(job, resolved.rel)}`);
  }
  for (const apiVersion of helm.apiVersions ?? []) args.push(`--api-versions=${apiVersion}`);
  if (!helm.skipCrds) args.push('--include-crds');
  if (helm.skipTests) args.push('--skip-tests');
  if (helm.skipSchemaValidation) args.push('--skip-schema-validation');
  return args;
}

/** `template: NAME/templates/x.yaml:12:3: ...` or `parse error at (NAME/templates/x.yaml:12)` → repository file/line. */
function locateHelmError(message: string, charts: ChartInfo[], top: ChartInfo): ErrorLocation {
  const match = /([\w.-]+(?:\/[\w.-]+)*\.(?:ya?ml|tpl|txt|json)):(\d+)/.exec(message);
  if (!match) return { file: top.rel === '.' ? 'Chart.yaml' : `${top.rel}/Chart.yaml` };
  const file = mapChartPath(match[1]!, charts, top);
  return file !== undefined ? { file, line: Number(match[2]) } : { file: top.rel };
}

/** `top/charts/dep/templates/x.yaml` (helm's naming) → the repository file, through file:// dependencies. */
function mapChartPath(path: string, charts: ChartInfo[], top: ChartInfo): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== top.name) return undefined;
  let chart = top;
  let i = 1;
  while (parts[i] === 'charts' && parts[i + 2] !== undefined) {
    const depRel = chart.localDeps.get(parts[i + 1]!);
    const dep = depRel !== undefined ? charts.find((c) => c.rel === depRel) : undefined;
    if (!dep) break;
    chart = dep;
    i += 2;
  }
  const rest = parts.slice(i).join('/');
  return chart.rel === '.' ? rest : `${chart.rel}/${rest}`;
}

/** Line → repository file of the template that produced it, from helm's `# Source:` comments. */
function sourceLocator(
  output: string,
  charts: ChartInfo[],
  top: ChartInfo,
): (line: number) => string | undefined {
  const marks: [number, string][] = [];
  output.split('\n').forEach((text, index) => {
    const m = /^# Source: (.+)$/.exec(text);
    if (m) marks.push([index + 1, m[1]!.trim()]);
  });
  return (line) => {
    let found: string | undefined;
    for (const [at, path] of marks) if (at <= line) found = path;
    return found !== undefined ? mapChartPath(found, charts, top) : undefined;
  };
}

/**
 * A Helm chart in this repository: dependencies checked and collected, the chart and its file:// dependencies
 * copied symlink-free into the render's temp dir, `helm dependency build` (offline) when charts/ lacks them,
 * then `helm template` with the Application's helm options.
 */
export async function renderHelmChart(job: SourceJob, chartRel: string): Promise<KubeObject[]> {
  const collected = await collectCharts(job, chartRel);
  const { charts } = collected;
  let { needsBuild } = collected;
  const top = charts[0]!;
  const copyRoot = join(job.tempDir, 'repo');
  await job.files.copy(
    charts.map((c) => c.rel),
    copyRoot,
  );
  const chartDir = chartRel === '.' ? copyRoot : join(copyRoot, ...chartRel.split('/'));
  if (collected.remoteDeps.length > 0) {
    await vendorRemoteDependencies(job, chartDir, collected.remoteDeps);
    // `helm dependency build` would fetch the remote ones again: vendor the file:// ones as directories instead.
    if (needsBuild) await vendorLocalDependencies(top, copyRoot, chartDir);
    needsBuild = false;
  }
  const common = toolLimits(job);
  if (needsBuild) {
    try {
      await runTool({
        command: job.ctx.tools.helm,
        args: ['dependency', 'build', '--skip-refresh', '--', chartDir],
        cwd: chartDir,
        ...common,
      });
    } catch (error) {
      throw toolRenderError(error, job, {
        step: 'helm dependency build',
        copyRoot,
        location: { file: chartRel === '.' ? 'Chart.yaml' : `${chartRel}/Chart.yaml` },
      });
    }
  }
  const unsafeSchema = await findUnsafeHelmSchema(chartDir);
  if (unsafeSchema !== undefined) {
    const shown = chartRel === '.' ? unsafeSchema : `${chartRel}/${unsafeSchema}`;
    throw new UnsafeContentError(
      `${job.where}: ${shown} refers to an external JSON schema ($ref/$schema to a file or URL); only local #/ references are allowed`,
      { file: shown.split('!/')[0]! },
    );
  }
  const release = releaseName(job);
  const args = ['template', ...(await helmArgs(job, chartRel)), '--', release, chartDir];
  let stdout: string;
  try {
    ({ stdout } = await runTool({
      command: job.ctx.tools.helm,
      args,
      cwd: chartDir,
      ...common,
    }));
  } catch (error) {
    const message = error instanceof Error ? scrubPaths(error.message, job, copyRoot) : '';
    throw toolRenderError(error, job, {
      step: 'helm template',
      copyRoot,
      location: locateHelmError(message, charts, top),
    });
  }
  return parseRendered(stdout, { where: job.where, locate: sourceLocator(stdout, charts, top) });
}
