import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { isRecord, type KubeObject } from '../model/kube-object.ts';
import { parseYamlValue } from '../model/safe-yaml.ts';
import {
  applyKustomizeOverrides,
  hasKustomizeOverrides,
  KustomizeOverrideError,
} from './apply-kustomize-overrides.ts';
import { inflateHelmCharts } from './inflate-helm-charts.ts';
import { parseRendered } from './parse-rendered.ts';
import { RenderError } from './render-error.ts';
import { runTool } from './run-tool.ts';
import { type SourceJob, toolLimits, toolRenderError } from './source-job.ts';
import { walkKustomization } from './walk-kustomization.ts';

/**
 * A Kustomize source: the graph is checked (no escapes, remotes or exec plugins), the directories it reaches are
 * copied into a private temp tree (symlink-free), the Application's `kustomize` block is applied to the copy's
 * kustomization as Argo CD's `kustomize edit` would, and `kubectl kustomize` builds it with the default load
 * restrictor and no plugin, exec or helm flags.
 */
export async function renderKustomize(job: SourceJob, dir: string): Promise<KubeObject[]> {
  const options = job.source.kustomize;
  const overrides = hasKustomizeOverrides(options) ? options : undefined;
  const override = (doc: Record<string, unknown>) => {
    try {
      return applyKustomizeOverrides(doc, overrides!);
    } catch (error) {
      if (error instanceof KustomizeOverrideError) {
        throw new RenderError(`${job.where}: kustomize options: ${error.message}`, { file: dir });
      }
      throw error;
    }
  };
  const graph = await walkKustomization({
    files: job.files,
    dir,
    ...(overrides ? { rootOverride: override } : {}),
    allowedRemotes: job.ctx.allowedRemotes,
    appName: job.app.name,
    enableHelm: (job.ctx.kustomizeFlags ?? []).includes('--enable-helm'),
  });
  const copyRoot = join(job.tempDir, 'repo');
  await job.files.copy([dir, ...graph.dirs, ...graph.files], copyRoot);
  if (overrides && graph.rootFile !== undefined) {
    const parsed: unknown = parseYamlValue((await job.files.readText(graph.rootFile)) ?? '');
    const edited = override(isRecord(parsed) ? parsed : {});
    await writeFile(join(copyRoot, ...graph.rootFile.split('/')), stringify(edited));
  }
  if (graph.helmCharts.length > 0) await inflateHelmCharts(job, copyRoot, graph.helmCharts);
  const buildDir = dir === '.' ? copyRoot : join(copyRoot, ...dir.split('/'));
  let stdout: string;
  try {
    ({ stdout } = await runTool({
      command: job.ctx.tools.kubectl,
      // No --enable-alpha-plugins / --enable-exec / --enable-helm; the load restrictor as the instance sets it
      // (LoadRestrictionsNone is safe here: the copy holds only the checked files of the checkout, no links).
      args: [
        'kustomize',
        ...(job.ctx.kustomizeFlags ?? []).filter((f) => f.startsWith('--load-restrictor=')),
        '--',
        buildDir,
      ],
      cwd: buildDir,
      ...toolLimits(job),
    }));
  } catch (error) {
    throw toolRenderError(error, job, {
      step: 'kustomize build',
      copyRoot,
      location: { file: graph.rootFile ?? dir },
    });
  }
  return parseRendered(stdout, { where: job.where });
}
