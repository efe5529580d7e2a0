import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Application, ApplicationSource } from '../gitops/application.ts';
import { createRepoMatcher } from '../gitops/repo-url.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { SourceType } from '../model/plan-report.ts';
import { detectSourceType, explicitSourceTypes } from './detect-source-type.ts';
import type { RenderContext } from './render-context.ts';
import { renderDirectory } from './render-directory.ts';
import { RenderError, UnsafeContentError, UnsupportedSourceError } from './render-error.ts';
import { renderHelmChart } from './render-helm.ts';
import { renderKustomize } from './render-kustomize.ts';
import { renderRemoteChart } from './render-remote-chart.ts';
import { RepoFiles } from './repo-files.ts';
import type { SourceJob } from './source-job.ts';
import { SourceUnavailableError } from './source-repositories.ts';
import { scratchRoot } from './tool-sandbox.ts';

export interface RenderOutput {
  sourceType: SourceType;
  objects: KubeObject[];
}

/** A multi-source values holder (`ref` without path or chart) renders nothing; no path otherwise means the root. */
export function isRendered(source: ApplicationSource, multiSource: boolean): boolean {
  return (
    source.path !== undefined || source.chart !== undefined || !(multiSource && source.ref !== undefined)
  );
}

function describe(app: Application, source: ApplicationSource, index: number): string {
  const which = app.multiSource ? `source ${index + 1}` : 'source';
  if (source.path !== undefined || source.chart === undefined) {
    return `application ${app.name}: ${which} path ${source.path || '.'}`;
  }
  const version = source.targetRevision ? `@${source.targetRevision}` : '';
  return `application ${app.name}: ${which} chart ${source.chart}${version} from ${source.repoURL}`;
}

async function renderSource(
  app: Application,
  source: ApplicationSource,
  index: number,
  ctx: RenderContext,
  files: RepoFiles,
): Promise<{ type: SourceType; objects: KubeObject[] }> {
  const where = describe(app, source, index);
  if (source.path === undefined && source.chart !== undefined) {
    return withTemp(app, source, ctx, files, where, async (job) => ({
      type: 'helm',
      objects: await renderRemoteChart(job),
    }));
  }
  if (!ctx.isLocal(source)) return renderElsewhere(app, source, index, ctx, where);
  const explicit = explicitSourceTypes(source);
  if (explicit.length > 1) {
    throw new RenderError(
      `${where}: multiple source types set (${explicit.join(', ')}); Argo CD refuses this too`,
    );
  }
  const type = detectSourceType(source, ctx.root);
  if (type === 'plugin') {
    throw new UnsupportedSourceError(`${where}: config management plugins are not supported`);
  }
  const dir = RepoFiles.join('.', (source.path ?? '').replace(/^\/+/, ''));
  if (dir === undefined) throw new UnsafeContentError(`${where}: the path leaves the repository`);
  const checked = await files.check(dir);
  if (checked.kind !== 'dir') {
    throw new RenderError(`${where}: ${dir} is not a directory in the repository`, { file: dir });
  }
  return withTemp(app, source, ctx, files, where, async (job) => {
    if (type === 'helm') return { type, objects: await renderHelmChart(job, dir) };
    if (type === 'kustomize') return { type, objects: await renderKustomize(job, dir) };
    return { type, objects: await renderDirectory(job, dir) };
  });
}

const sameRevision = (a: string | undefined, b: string | undefined) =>
  (a ?? '').replace(/^HEAD$/, '') === (b ?? '').replace(/^HEAD$/, '');

/** A source in another repository, or in this one at another revision: rendered from that tree. */
async function renderElsewhere(
  app: Application,
  source: ApplicationSource,
  index: number,
  ctx: RenderContext,
  where: string,
): Promise<{ type: SourceType; objects: KubeObject[] }> {
  const revision = source.targetRevision || 'HEAD';
  if (ctx.sources === undefined) {
    throw new UnsupportedSourceError(
      `${where}: the source is ${source.repoURL} at ${revision}, outside the checkout being planned, and no way to read it is configured`,
    );
  }
  let tree: Awaited<ReturnType<typeof ctx.sources.tree>>;
  try {
    tree = await ctx.sources.tree(source.repoURL, source.targetRevision);
  } catch (error) {
    if (!(error instanceof SourceUnavailableError)) throw error;
    const message = `${where}: ${source.repoURL} at ${revision}: ${error.message}`;
    throw error.unreachable
      ? new RenderError(message, {}, { cause: error })
      : new UnsupportedSourceError(message, {}, { cause: error });
  }
  const sameRepo = createRepoMatcher([source.repoURL]);
  const there: RenderContext = {
    ...ctx,
    root: tree.dir,
    isLocal: (s) => sameRepo(s.repoURL) && sameRevision(s.targetRevision, source.targetRevision),
  };
  return renderSource(app, source, index, there, await RepoFiles.open(tree.dir, app.name));
}

async function withTemp<T>(
  app: Application,
  source: ApplicationSource,
  ctx: RenderContext,
  files: RepoFiles,
  where: string,
  run: (job: SourceJob) => Promise<T>,
): Promise<T> {
  const tempDir = await mkdtemp(join(await scratchRoot(ctx.sandbox.user), 'mergeplane-render-'));
  try {
    return await run({ app, source, ctx, files, where, tempDir });
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/**
 * Renders an Application's sources the way Argo CD's repo-server would, with the real tools, treating the
 * repository as untrusted (see RenderContext and DESIGN.md). Multi-source apps concatenate every source that has
 * a path or chart (`ref`-only sources only hold values). Objects are returned as rendered; the diff normalizes.
 * Throws RenderError (or a subclass) with a user-facing message and, when known, a repository file/line.
 */
export async function renderApplication(app: Application, ctx: RenderContext): Promise<RenderOutput> {
  const files = await RepoFiles.open(ctx.root, app.name);
  const rendered = app.sources
    .map((source, index) => ({ source, index }))
    .filter((s) => isRendered(s.source, app.multiSource));
  const objects: KubeObject[] = [];
  let sourceType: SourceType = 'unknown';
  for (const { source, index } of rendered) {
    let result: { type: SourceType; objects: KubeObject[] };
    try {
      result = await renderSource(app, source, index, ctx, files);
    } catch (error) {
      if (error instanceof RenderError || !(error instanceof Error)) throw error;
      // An unexpected failure (I/O, say) is still this app's failure, not the whole plan's; paths made relative.
      const message = error.message.split(`${files.realRoot}/`).join('').split(tmpdir()).join('<tmp>');
      throw new RenderError(`${describe(app, source, index)}: ${message}`, {}, { cause: error });
    }
    objects.push(...result.objects);
    sourceType = result.type;
  }
  if (rendered.length > 1) sourceType = 'multi';
  return { sourceType, objects };
}
