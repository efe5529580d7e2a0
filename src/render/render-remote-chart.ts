import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../model/kube-object.ts';
import { findUnsafeHelmSchema } from './check-helm-schemas.ts';
import { fetchChart } from './fetch-chart.ts';
import { parseRendered } from './parse-rendered.ts';
import { UnsafeContentError } from './render-error.ts';
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
  const fetched = await fetchChart(job, { repoURL, chart, version: targetRevision });
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
  let stdout: string;
  try {
    ({ stdout } = await runTool({
      command: job.ctx.tools.helm,
      args,
      cwd: job.tempDir,
      ...toolLimits(job),
    }));
  } catch (error) {
    throw toolRenderError(error, job, { step: `helm template (chart ${chart}@${fetched.version})` });
  }
  return parseRendered(stdout, { where: job.where });
}
