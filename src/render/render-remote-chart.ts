import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockedAddressError, ChartFetchError } from '../charts/chart-errors.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import { findUnsafeHelmSchema } from './check-helm-schemas.ts';
import { parseRendered } from './parse-rendered.ts';
import { RenderError, UnsafeContentError, UnsupportedSourceError } from './render-error.ts';
import { helmArgs, releaseName } from './render-helm.ts';
import { runTool } from './run-tool.ts';
import { type SourceJob, toolLimits, toolRenderError } from './source-job.ts';

/**
 * A chart from a Helm repository or an OCI registry, as Argo CD renders it: Mergeplane fetches the packaged
 * chart itself (chart cache, SSRF guard, the server's credentials) from a repository the base revision already
 * uses or config lists, and `helm template` renders the archive with no network of its own.
 */
export async function renderRemoteChart(job: SourceJob): Promise<KubeObject[]> {
  const { chart = '', repoURL, targetRevision } = job.source;
  const charts = job.ctx.charts;
  if (charts === undefined) {
    throw new UnsupportedSourceError(
      `${job.where}: charts from Helm repositories are not fetched by this planner`,
    );
  }
  if (!(await charts.approved(repoURL))) {
    throw new UnsupportedSourceError(
      `${job.where}: chart repository ${repoURL} is new in this change: charts are fetched only from repositories the base revision already uses or render.allowedRemotes lists; approve to accept the plan without this render`,
    );
  }
  let fetched: Awaited<ReturnType<typeof charts.fetcher.fetch>>;
  try {
    fetched = await charts.fetcher.fetch({ repoURL, chart, version: targetRevision });
  } catch (error) {
    if (error instanceof BlockedAddressError) {
      throw new UnsafeContentError(`${job.where}: chart not fetched: ${error.message}`, {}, { cause: error });
    }
    if (error instanceof ChartFetchError) {
      throw new RenderError(`${job.where}: cannot fetch the chart: ${error.message}`, {}, { cause: error });
    }
    throw error;
  }
  const chartDir = join(job.tempDir, 'remote-chart');
  await mkdir(chartDir, { recursive: true });
  const archive = join(chartDir, `${chart.replace(/[^A-Za-z0-9._-]/g, '_')}-${fetched.version}.tgz`);
  await writeFile(archive, fetched.archive);
  // helm validates values against the chart's schema and would follow an external $ref over the network.
  const unsafeSchema = await findUnsafeHelmSchema(chartDir);
  if (unsafeSchema !== undefined) {
    throw new UnsafeContentError(
      `${job.where}: ${unsafeSchema.replace(/^[^!]*!\//, `${chart}@${fetched.version}:`)} refers to an external JSON schema ($ref/$schema to a file or URL); only local #/ references are allowed`,
    );
  }
  const args = ['template', ...(await helmArgs(job, undefined)), '--', releaseName(job), archive];
  const helmEnv = { HELM_PLUGINS: join(job.tempDir, 'no-plugins') };
  await mkdir(helmEnv.HELM_PLUGINS, { recursive: true });
  let stdout: string;
  try {
    ({ stdout } = await runTool({
      command: job.ctx.tools.helm,
      args,
      cwd: job.tempDir,
      env: helmEnv,
      ...toolLimits(job),
    }));
  } catch (error) {
    throw toolRenderError(error, job, { step: `helm template (chart ${chart}@${fetched.version})` });
  }
  return parseRendered(stdout, { where: job.where });
}
