import pLimit from 'p-limit';
import { kustomizeBuildFlags } from '../config/argocd-settings.ts';
import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import type { CrossplaneObject } from '../crossplane/plan-claims.ts';
import type { AppInputs } from '../gitops/app-inputs.ts';
import type { Application } from '../gitops/application.ts';
import type { IsLocalSource } from '../gitops/local-source.ts';
import type { PlanCaches } from '../model/plan-caches.ts';
import type { RevisionTree } from '../model/revision-tree.ts';
import { isExactVersion } from '../model/select-version.ts';
import type { YamlCache } from '../model/yaml-cache.ts';
import { detectTreeSourceType } from '../render/detect-source-type.ts';
import { renderApplication } from '../render/render-application.ts';
import type { RemoteCharts, RenderContext } from '../render/render-context.ts';
import { RenderError } from '../render/render-error.ts';
import type { SourceRepositories } from '../render/source-repositories.ts';
import { InvalidToolUserError } from '../render/tool-sandbox.ts';
import { type CollectedAppInputs, createInputsSource } from './app-inputs-source.ts';
import type { PlanLogger } from './plan-logger.ts';
import { type CachedRender, RenderCache } from './render-cache.ts';
import { createRenderToolbox, toolsNeeded } from './render-toolbox.ts';
import { frozenStringify } from './stable-stringify.ts';
import type { TreeIndex } from './tree-index.ts';

/** One revision, as the renderer sees it. */
export interface PlanSide {
  label: 'base' | 'head';
  index: TreeIndex;
  /** Writes these paths of the revision to disk (once) for the render tools; returns the directory holding them. */
  materialise(paths: Iterable<string>): Promise<string>;
}

export type RenderAttempt = { ok: true; render: CachedRender } | { ok: false; error: RenderError };

export interface AppRenderer {
  /** The files an app's render reads at one revision (memoized). */
  inputsOf(side: PlanSide, app: Application): Promise<AppInputs>;
  /** Renders an app at one revision: once per plan, through the content-addressed cache, bounded in parallel. */
  render(side: PlanSide, app: Application): Promise<RenderAttempt>;
  /** Every object rendered so far at a revision, with the namespace it is applied to. */
  rendered(label: PlanSide['label']): CrossplaneObject[];
}

export interface AppRendererOptions {
  config: MergeplaneConfig;
  cache: RenderCache;
  isLocal: IsLocalSource;
  yamlCache: YamlCache;
  env: NodeJS.ProcessEnv;
  logger: PlanLogger;
  /** Chart repositories: at base every repository is approved; at head `approved` decides. */
  charts?: RemoteCharts;
  sources?: SourceRepositories;
  /** Kept between plans: app inputs are collected again only when a path they were read from changed. */
  caches?: PlanCaches;
}

const FULL_SHA = /^[0-9a-f]{40}$/i;

/**
 * Whether a render's output is fixed by its cache key: local sources are (their files are digested), a chart
 * pinned to one version and a source at a full commit SHA are; a branch or a version range elsewhere is not.
 */
function isCacheable(app: Application, isLocal: IsLocalSource): boolean {
  return app.sources.every((source) => {
    if (source.path === undefined && source.chart !== undefined) return isExactVersion(source.targetRevision);
    return isLocal(source) || FULL_SHA.test(source.targetRevision ?? '');
  });
}

/** Everything the render reads, plus how it is run: equal keys mean equal output, whatever the revision. */
async function renderCacheKey(
  side: PlanSide,
  app: Application,
  inputs: AppInputs,
  versions: Record<string, string>,
  config: MergeplaneConfig,
): Promise<string> {
  const files = new Set(inputs.files);
  for (const dir of inputs.dirs) for (const file of await side.index.filesUnder(dir)) files.add(file);
  const digests: [string, string][] = [];
  for (const file of [...files].sort()) digests.push([file, (await side.index.digest(file)) ?? 'absent']);
  return RenderCache.key({
    tools: versions,
    allowedRemotes: config.render.allowedRemotes,
    kustomizeBuildOptions: config.argocd.kustomize.buildOptions,
    app: { name: app.name, destination: app.destination.namespace ?? '', sources: app.sources },
    files: digests,
  });
}

/**
 * One plan's app inputs, per side and app. Memoized by definition object (the same object whenever a plan asks
 * again), then side and identity: a key built of the whole definition would be a new long string at every one of
 * the many asks per app.
 */
function memoizeInputs(
  collect: (tree: RevisionTree, app: Application) => Promise<CollectedAppInputs>,
): (side: PlanSide, app: Application) => Promise<CollectedAppInputs> {
  const memo = new WeakMap<object, Map<string, Promise<CollectedAppInputs>>>();
  return (side, app) => {
    let byApp = memo.get(app.manifest);
    if (!byApp) {
      byApp = new Map();
      memo.set(app.manifest, byApp);
    }
    const key = `${side.label}:${app.namespace}/${app.name}`;
    let inputs = byApp.get(key);
    if (!inputs) {
      inputs = collect(side.index.tree, app);
      byApp.set(key, inputs);
    }
    return inputs;
  };
}

export function createAppRenderer(options: AppRendererOptions): AppRenderer {
  const { config, cache, isLocal, yamlCache, env, logger } = options;
  const approveAll = async () => true;
  const limit = pLimit(config.render.concurrency);
  const renderMemo = new Map<string, Promise<RenderAttempt>>();
  const rendered: Record<PlanSide['label'], CrossplaneObject[]> = { base: [], head: [] };
  const toolbox = createRenderToolbox(env, config.render.maxMemoryBytes);
  // The instance's kustomize flags, parsed once per plan.
  const kustomizeFlags = kustomizeBuildFlags(config.argocd.kustomize.buildOptions);

  const collectedOf = memoizeInputs(createInputsSource({ isLocal, yamlCache, caches: options.caches }));
  const inputsOf = async (side: PlanSide, app: Application): Promise<AppInputs> =>
    (await collectedOf(side, app)).inputs;

  const cacheKey = async (side: PlanSide, app: Application, versions: Record<string, string>) =>
    renderCacheKey(side, app, await inputsOf(side, app), versions, config);

  const renderWithCache = async (side: PlanSide, app: Application): Promise<RenderAttempt> => {
    const needed = await toolsNeeded(
      app,
      (source) => detectTreeSourceType(source, side.index.tree),
      isLocal,
      kustomizeFlags.includes('--enable-helm'),
    );
    const resolved = await toolbox.toolsFor(app, needed);
    if ('error' in resolved) return { ok: false, error: resolved.error };
    const { paths: toolPaths, versions } = resolved;
    const key = isCacheable(app, isLocal) ? await cacheKey(side, app, versions) : undefined;
    const hit = key === undefined ? undefined : await cache.get(key);
    if (hit) return { ok: true, render: hit };
    const limits = toolbox.sandbox();
    if (limits instanceof InvalidToolUserError) {
      return { ok: false, error: new RenderError(`application ${app.name}: ${limits.message}`) };
    }
    const { inputs, links } = await collectedOf(side, app);
    // The render reads the app's input closure and nothing else of the revision: only that is written to disk.
    const root = await side.materialise([...inputs.files, ...inputs.dirs, ...links]);
    const context: RenderContext = {
      sandbox: limits,
      root,
      isLocal,
      ...(options.charts
        ? { charts: side.label === 'base' ? { ...options.charts, approved: approveAll } : options.charts }
        : {}),
      ...(options.sources ? { sources: options.sources } : {}),
      tools: toolPaths,
      timeoutMs: config.render.timeoutSeconds * 1000,
      maxOutputBytes: config.render.maxOutputBytes,
      allowedRemotes: config.render.allowedRemotes,
      kustomizeFlags,
    };
    const started = performance.now();
    try {
      const output = await renderApplication(app, context);
      const render: CachedRender = { sourceType: output.sourceType, objects: output.objects };
      if (key !== undefined) await cache.set(key, render);
      logger.debug(
        { app: app.name, side: side.label, ms: Math.round(performance.now() - started) },
        'application rendered',
      );
      return { ok: true, render };
    } catch (error) {
      if (error instanceof RenderError) return { ok: false, error };
      throw error;
    }
  };

  const render = (side: PlanSide, app: Application): Promise<RenderAttempt> => {
    const memoKey = `${side.label}:${app.namespace}/${app.name}:${frozenStringify(app.manifest)}`;
    let attempt = renderMemo.get(memoKey);
    if (!attempt) {
      attempt = limit(() => renderWithCache(side, app)).then((result) => {
        if (result.ok) {
          const namespace = app.destination.namespace;
          for (const object of result.render.objects) {
            rendered[side.label].push({ object, ...(namespace ? { namespace } : {}) });
          }
        }
        return result;
      });
      renderMemo.set(memoKey, attempt);
    }
    return attempt;
  };

  return { inputsOf, render, rendered: (label) => rendered[label] };
}
