import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { CONFIG_PATH, ConfigError, loadConfig } from '../config/load-config.ts';
import { DEFAULT_CONFIG, type MergeplaneConfig } from '../config/mergeplane-config.ts';
import { type CrossplaneObject, planClaims } from '../crossplane/plan-claims.ts';
import { scanCrossplaneObjects } from '../crossplane/scan-crossplane-objects.ts';
import { diffResources } from '../diff/diff-resources.ts';
import { UnsupportedJqExpressionError } from '../diff/ignore-differences.ts';
import { evaluateGates, type GateInput } from '../gates/evaluate-gates.ts';
import { type Checkout, type GitRepository, openGitRepository } from '../git/git-repository.ts';
import { type AppInputs, collectAppInputs } from '../gitops/app-inputs.ts';
import type { Application } from '../gitops/application.ts';
import { isAffected } from '../gitops/is-affected.ts';
import { YamlCache } from '../kube/yaml-cache.ts';
import { detectSourceType } from '../render/detect-source-type.ts';
import { isRendered, renderApplication } from '../render/render-application.ts';
import type { RenderContext } from '../render/render-context.ts';
import { InvalidManifestError, RenderError, UnsupportedSourceError } from '../render/render-error.ts';
import { resolveTool, type ToolName, ToolNotFoundError, toolVersion } from '../render/resolve-tool.ts';
import { buildReport } from '../report/build-report.ts';
import type { AppReport, AppStatus, PlanReport, SourceType } from '../report/plan-report.ts';
import type { AppEntry } from './app-entry.ts';
import { collectApplications } from './collect-applications.ts';
import { type PlanLogger, silentLogger } from './plan-logger.ts';
import { type CachedRender, RenderCache } from './render-cache.ts';
import { repoMatcher, trackedBranch } from './repo-identity.ts';
import { stableStringify } from './stable-stringify.ts';
import { TreeIndex } from './tree-index.ts';

export interface PlanChangeOptions {
  repoDir: string;
  base: string;
  head: string;
  /** A config file to use instead of the repository's `.github/mergeplane.yml` at base. */
  configFile?: string;
  /** Render cache directory; `false` keeps the cache in memory for this plan only. */
  cacheDir?: string | false;
  logger?: PlanLogger;
  env?: NodeJS.ProcessEnv;
}

/** The plan cannot start: bad arguments or an unreadable input. The CLI exits 2 with the message. */
export class PlanInputError extends Error {
  override readonly name = 'PlanInputError';
}

type RenderAttempt = { ok: true; render: CachedRender } | { ok: false; error: Error };

interface Side {
  label: 'base' | 'head';
  checkout: Checkout;
  index: TreeIndex;
  entries: Map<string, AppEntry>;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MERGEPLANE_CACHE_DIR) return env.MERGEPLANE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'mergeplane', 'render');
}

async function readConfig(
  repo: GitRepository,
  baseSha: string,
  configFile: string | undefined,
): Promise<{ config: MergeplaneConfig } | { error: ConfigError }> {
  if (configFile !== undefined) {
    let text: string;
    try {
      text = await readFile(configFile, 'utf8');
    } catch (error) {
      throw new PlanInputError(
        `cannot read config ${configFile}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    try {
      return { config: loadConfig(text, configFile) };
    } catch (error) {
      if (error instanceof ConfigError) throw new PlanInputError(error.message);
      throw error;
    }
  }
  // Gates are read from the base revision: a change cannot loosen the rules that judge it.
  const text = await repo.readFile(baseSha, CONFIG_PATH);
  try {
    return { config: loadConfig(text, CONFIG_PATH) };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
}

function inputsUnion(a: AppInputs | undefined, b: AppInputs | undefined): AppInputs {
  const generatePaths = [...(a?.generatePaths ?? []), ...(b?.generatePaths ?? [])];
  return {
    files: [...new Set([...(a?.files ?? []), ...(b?.files ?? [])])],
    dirs: [...new Set([...(a?.dirs ?? []), ...(b?.dirs ?? [])])],
    ...(generatePaths.length > 0 ? { generatePaths: [...new Set(generatePaths)] } : {}),
  };
}

function baseReport(entry: AppEntry): Omit<AppReport, 'status' | 'sourceType'> {
  if (entry.kind === 'error') {
    return {
      name: entry.name,
      namespace: entry.namespace,
      project: '',
      origin: entry.origin,
      destination: {},
    };
  }
  const { app } = entry;
  return {
    name: app.name,
    namespace: app.namespace,
    project: app.project,
    origin: app.origin,
    destination: { ...app.destination },
  };
}

/**
 * Plans the change between two revisions of a local GitOps repository: finds the affected Argo CD
 * applications, renders them at both revisions, diffs them and evaluates the gates. It reads the
 * repository and runs the render tools; it never talks to GitHub, Redis or a cluster.
 */
export async function planChange(options: PlanChangeOptions): Promise<PlanReport> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const started = performance.now();
  const repo = await openGitRepository(options.repoDir);
  const [baseSha, headSha] = await Promise.all([repo.resolve(options.base), repo.resolve(options.head)]);
  const loaded = await readConfig(repo, baseSha, options.configFile);
  if ('error' in loaded) {
    const { error } = loaded;
    return buildReport({
      base: baseSha,
      head: headSha,
      apps: [],
      gates: evaluateGates({
        apps: [],
        config: DEFAULT_CONFIG,
        failures: [
          {
            id: 'config',
            message: error.message,
            file: error.file,
            ...(error.line !== undefined ? { line: error.line } : {}),
          },
        ],
      }),
    });
  }
  const { config } = loaded;
  const [originUrl, defaultBranch, currentBranch, changedFiles] = await Promise.all([
    repo.originUrl(),
    repo.defaultBranch(),
    repo.currentBranch(),
    repo.changedFiles(baseSha, headSha),
  ]);
  const isThisRepo = repoMatcher(config, originUrl);
  const baseBranch = trackedBranch(config, options.base, defaultBranch, currentBranch);
  const cache = new RenderCache(
    options.cacheDir === false ? {} : { dir: options.cacheDir ?? defaultCacheDir(env) },
  );
  const limit = pLimit(config.render.concurrency);

  const tools = new Map<ToolName, { path: string; version: Promise<string> } | { error: Error }>();
  const tool = (name: ToolName) => {
    let resolved = tools.get(name);
    if (!resolved) {
      try {
        const path = resolveTool(name, env);
        resolved = { path, version: toolVersion(path, name) };
      } catch (error) {
        if (!(error instanceof ToolNotFoundError)) throw error;
        resolved = { error };
      }
      tools.set(name, resolved);
    }
    return resolved;
  };

  const yamlCache = new YamlCache();
  const inputsMemo = new Map<string, Promise<AppInputs>>();
  const inputsOf = (side: Pick<Side, 'label' | 'index'>, app: Application): Promise<AppInputs> => {
    const key = `${side.label}:${app.namespace}/${app.name}:${stableStringify(app.sources)}`;
    let inputs = inputsMemo.get(key);
    if (!inputs) {
      inputs = collectAppInputs(app, side.index.root, { isThisRepo, yamlCache });
      inputsMemo.set(key, inputs);
    }
    return inputs;
  };

  // Everything rendered at each revision, for the Crossplane plan (claims usually arrive through apps).
  const rendered: Record<Side['label'], CrossplaneObject[]> = { base: [], head: [] };
  const renderMemo = new Map<string, Promise<RenderAttempt>>();
  const renderOn = (side: Pick<Side, 'label' | 'index'>, app: Application): Promise<RenderAttempt> => {
    const memoKey = `${side.label}:${app.namespace}/${app.name}:${stableStringify(app.manifest)}`;
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

  const renderWithCache = async (
    side: Pick<Side, 'label' | 'index'>,
    app: Application,
  ): Promise<RenderAttempt> => {
    const needed = new Set<ToolName>();
    for (const source of app.sources) {
      if (!isRendered(source, app.multiSource)) continue;
      if (!isThisRepo(source.repoURL) && source.chart === undefined) continue;
      const type = detectSourceType(source, side.index.root);
      if (type === 'helm') needed.add('helm');
      if (type === 'kustomize') needed.add('kubectl');
    }
    const toolPaths = { helm: '', kubectl: '' };
    const versions: Record<string, string> = {};
    for (const name of needed) {
      const resolved = tool(name);
      if ('error' in resolved) {
        return { ok: false, error: new RenderError(`application ${app.name}: ${resolved.error.message}`) };
      }
      toolPaths[name] = resolved.path;
      versions[name] = await resolved.version;
    }
    const inputs = await inputsOf(side, app);
    const files = new Set(inputs.files);
    for (const dir of inputs.dirs) for (const file of await side.index.filesUnder(dir)) files.add(file);
    const digests: [string, string][] = [];
    for (const file of [...files].sort()) digests.push([file, (await side.index.digest(file)) ?? 'absent']);
    const key = RenderCache.key({
      tools: versions,
      allowedRemotes: config.render.allowedRemotes,
      app: { name: app.name, destination: app.destination.namespace ?? '', sources: app.sources },
      files: digests,
    });
    const hit = await cache.get(key);
    if (hit) return { ok: true, render: hit };
    const context: RenderContext = {
      root: side.index.root,
      isThisRepo,
      tools: toolPaths,
      timeoutMs: config.render.timeoutSeconds * 1000,
      maxOutputBytes: config.render.maxOutputBytes,
      allowedRemotes: config.render.allowedRemotes,
    };
    const renderStarted = performance.now();
    try {
      const output = await renderApplication(app, context);
      const render: CachedRender = { sourceType: output.sourceType, objects: output.objects };
      await cache.set(key, render);
      logger.debug(
        { app: app.name, side: side.label, ms: Math.round(performance.now() - renderStarted) },
        'application rendered',
      );
      return { ok: true, render };
    } catch (error) {
      if (error instanceof RenderError) return { ok: false, error };
      throw error;
    }
  };

  const failures: GateInput['failures'] = [];
  const checkouts: Checkout[] = [];
  try {
    // Both revisions are independent until pairing: check out and collect them concurrently.
    const collectSide = async (label: 'base' | 'head', sha: string): Promise<Side> => {
      const checkout = await repo.checkout(sha);
      checkouts.push(checkout);
      const index = new TreeIndex(checkout.dir);
      const partial = { label, index };
      const collected = await collectApplications({
        index,
        config,
        isThisRepo,
        thisRepoUrl: config.repository.url ?? originUrl ?? 'local',
        baseBranch,
        yamlCache,
        appInputs: (app) => inputsOf(partial, app),
        renderObjects: async (app) => {
          const attempt = await renderOn(partial, app);
          return attempt.ok ? attempt.render.objects : undefined;
        },
      });
      if (label === 'head') {
        for (const parseError of collected.parseErrors) {
          if (!changedFiles.includes(parseError.file)) continue;
          failures.push({
            id: 'manifests',
            message: `${parseError.file}: invalid YAML: ${parseError.message}`,
            file: parseError.file,
            ...(parseError.line !== undefined ? { line: parseError.line } : {}),
          });
        }
      }
      return { label, checkout, index, entries: collected.entries };
    };
    // allSettled: a failure on one side must not leave the other's worktree behind undisposed.
    const settled = await Promise.allSettled([collectSide('base', baseSha), collectSide('head', headSha)]);
    const sides = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    const [base, head] = sides as [Side, Side];
    const keys = [...new Set([...base.entries.keys(), ...head.entries.keys()])].sort();
    const apps = await Promise.all(
      keys.map((key) => planApp(base, head, base.entries.get(key), head.entries.get(key))),
    );
    const [baseScan, headScan] = await Promise.all([
      scanCrossplaneObjects(base.index.root),
      scanCrossplaneObjects(head.index.root),
    ]);
    const claimsPlan = planClaims({
      base: { objects: [...baseScan, ...rendered.base] },
      head: { objects: [...headScan, ...rendered.head] },
      registerClusterKinds: config.crossplane.registerClusterKinds,
    });
    for (const finding of claimsPlan.findings) failures.push(finding);
    const report = buildReport({
      base: baseSha,
      head: headSha,
      apps,
      claims: claimsPlan.claims,
      gates: evaluateGates({ apps, config, failures }),
    });
    logger.info(
      {
        base: baseSha,
        head: headSha,
        apps: keys.length,
        changedFiles: changedFiles.length,
        ms: Math.round(performance.now() - started),
      },
      'plan computed',
    );
    return report;
  } finally {
    await Promise.all(checkouts.map((c) => c.dispose()));
  }

  async function planApp(
    baseSide: Side,
    headSide: Side,
    baseEntry: AppEntry | undefined,
    headEntry: AppEntry | undefined,
  ): Promise<AppReport> {
    const entry = (headEntry ?? baseEntry)!;
    const shell = baseReport(entry);
    if (headEntry?.kind === 'error') {
      const unchanged = baseEntry?.kind === 'error' && baseEntry.message === headEntry.message;
      // A failure the change did not touch is still listed (never skipped silently) but does not block it.
      if (!unchanged || (headEntry.file !== undefined && changedFiles.includes(headEntry.file))) {
        failures.push({
          id: 'render',
          message: `${headEntry.name}: ${headEntry.message}`,
          app: headEntry.name,
          ...(headEntry.file !== undefined ? { file: headEntry.file } : {}),
          ...(headEntry.line !== undefined ? { line: headEntry.line } : {}),
        });
      }
      return { ...shell, sourceType: 'unknown', status: 'error', error: headEntry.message, resources: [] };
    }
    const headApp = headEntry?.app;
    const baseApp = baseEntry?.kind === 'app' ? baseEntry.app : undefined;
    if (headApp && baseApp) {
      const definitionChanged = stableStringify(baseApp.manifest) !== stableStringify(headApp.manifest);
      const inputs = inputsUnion(await inputsOf(baseSide, baseApp), await inputsOf(headSide, headApp));
      if (!definitionChanged && !isAffected(inputs, changedFiles)) {
        return { ...shell, sourceType: sourceTypeOf(headApp, headSide), status: 'unchanged' };
      }
    }
    const [baseAttempt, headAttempt] = await Promise.all([
      baseApp ? renderOn(baseSide, baseApp) : undefined,
      headApp ? renderOn(headSide, headApp) : undefined,
    ]);
    const app = (headApp ?? baseApp)!;
    if (headAttempt && !headAttempt.ok) {
      failHead(app, headAttempt.error);
      return {
        ...shell,
        sourceType: sourceTypeOf(app, headSide),
        status: 'error',
        error: headAttempt.error.message,
        resources: [],
      };
    }
    const baseObjects = baseAttempt?.ok ? baseAttempt.render.objects : [];
    const headObjects = headAttempt?.ok ? headAttempt.render.objects : [];
    const sourceType = headAttempt?.ok
      ? headAttempt.render.sourceType
      : baseAttempt?.ok
        ? baseAttempt.render.sourceType
        : sourceTypeOf(app, baseSide);
    let resources: AppReport['resources'];
    try {
      resources = diffResources({
        base: baseObjects,
        head: headObjects,
        ignoreDifferences: [...app.ignoreDifferences, ...config.diff.ignoreDifferences],
        defaultNamespace: app.destination.namespace ?? '',
        contextLines: config.diff.contextLines,
      });
    } catch (error) {
      if (!(error instanceof UnsupportedJqExpressionError)) throw error;
      failHead(app, error);
      return { ...shell, sourceType, status: 'error', error: `${app.name}: ${error.message}`, resources: [] };
    }
    let status: AppStatus = resources.length > 0 ? 'changed' : 'unchanged';
    if (!baseApp) status = 'added';
    else if (!headApp) status = 'removed';
    const report: AppReport = { ...shell, sourceType, status, resources };
    // The base failing to render while the head renders is a fix, not a failure: report it, don't gate on it.
    if (baseAttempt && !baseAttempt.ok)
      report.error = `base revision did not render: ${baseAttempt.error.message}`;
    return report;
  }

  function failHead(app: Application, error: Error): void {
    const located = error instanceof RenderError ? error : undefined;
    const file = located?.file ?? app.file;
    const line = located?.file !== undefined ? located.line : app.line;
    // An unsupported source is not the change's fault; it needs a human review rather than blocking.
    const unsupported = error instanceof UnsupportedSourceError;
    failures.push({
      id: error instanceof InvalidManifestError ? 'manifests' : unsupported ? 'unsupported' : 'render',
      ...(unsupported ? { status: 'needs-approval' as const } : {}),
      message: error.message,
      app: app.name,
      ...(file !== undefined ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
    });
  }

  function sourceTypeOf(app: Application, side: Pick<Side, 'index'>): SourceType {
    const rendered = app.sources.filter((s) => isRendered(s, app.multiSource));
    if (rendered.length > 1) return 'multi';
    const source = rendered[0];
    if (!source) return 'unknown';
    return detectSourceType(source, side.index.root);
  }
}
