import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { countDiffLines, diffDefinition } from '../diff/diff-definition.ts';
import { UnsupportedJqExpressionError } from '../diff/ignore-differences.ts';
import type { GateFinding } from '../gates/evaluate-gates.ts';
import type { Application } from '../gitops/application.ts';
import { isAffected } from '../gitops/is-affected.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { AppReport, AppStatus, SourceType } from '../model/plan-report.ts';
import { detectTreeSourceType } from '../render/detect-source-type.ts';
import { isRendered } from '../render/render-application.ts';
import { InvalidManifestError, RenderError, UnsupportedSourceError } from '../render/render-error.ts';
import { isShownByItsPair } from '../report/resource-title.ts';
import type { AppEntry } from './app-entry.ts';
import type { AppRenderer, PlanSide } from './app-renderer.ts';
import { diffAppResources, type ManagedObjects } from './diff-app-resources.ts';
import { frozenStringify } from './stable-stringify.ts';

export interface PlanAppInput {
  base: PlanSide;
  head: PlanSide;
  baseEntry: AppEntry | undefined;
  headEntry: AppEntry | undefined;
  renderer: AppRenderer;
  changedFiles: readonly string[];
  config: MergeplaneConfig;
}

export interface PlannedApp {
  report: AppReport;
  findings: GateFinding[];
  /** What Argo CD would apply of the head render, for an app the change affects (compared with live by the App). */
  headObjects?: KubeObject[];
  /** What Argo CD applies of the base render, beside `headObjects` (schema errors it already had do not gate). */
  baseObjects?: KubeObject[];
}

function shellOf(entry: AppEntry): Omit<AppReport, 'status' | 'sourceType'> {
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

export async function sourceTypeOf(app: Application, side: PlanSide): Promise<SourceType> {
  const rendered = app.sources.filter((s) => isRendered(s, app.multiSource));
  if (rendered.length > 1) return 'multi';
  const source = rendered[0];
  if (!source) return 'unknown';
  return detectTreeSourceType(source, side.index.tree);
}

/** `movedFrom` when the Application's own file (not an ApplicationSet or parent) moved to another path. */
function movedFrom(baseApp: Application, headApp: Application): { movedFrom?: string } {
  const fileOrigin = (app: Application) =>
    app.file !== undefined && app.origin === app.file ? app.file : undefined;
  const before = fileOrigin(baseApp);
  const after = fileOrigin(headApp);
  return before !== undefined && after !== undefined && before !== after ? { movedFrom: before } : {};
}

/** The gate finding for an app that failed at head, located at the failing file when the error knows it. */
function findingFor(app: Application, error: Error): GateFinding {
  const located = error instanceof RenderError ? error : undefined;
  const file = located?.file ?? app.file;
  const line = located?.file !== undefined ? located.line : app.line;
  // An unsupported source is not the change's fault; it needs a human review rather than blocking.
  const unsupported = error instanceof UnsupportedSourceError;
  return {
    id: error instanceof InvalidManifestError ? 'manifests' : unsupported ? 'unsupported' : 'render',
    ...(unsupported ? { status: 'needs-approval' as const } : {}),
    message: error.message,
    app: app.name,
    ...(file !== undefined ? { file } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}

/**
 * Plans one application slot across the two revisions: unchanged (not rendered) unless its definition
 * or a file its render reads changed; otherwise rendered at both revisions and diffed.
 */
/** An entry that could not be produced at head (invalid Application, failed ApplicationSet): `error`. */
function planErrorEntry(
  shell: Omit<AppReport, 'status' | 'sourceType'>,
  baseEntry: AppEntry | undefined,
  headEntry: Extract<AppEntry, { kind: 'error' }>,
  changedFiles: readonly string[],
): PlannedApp {
  const unchanged = baseEntry?.kind === 'error' && baseEntry.message === headEntry.message;
  const report: AppReport = {
    ...shell,
    sourceType: 'unknown',
    status: 'error',
    error: headEntry.message,
    resources: [],
  };
  // A failure the change did not touch is still listed (never skipped silently) but does not block it.
  if (unchanged && !(headEntry.file !== undefined && changedFiles.includes(headEntry.file))) {
    return { report, findings: [] };
  }
  const finding: GateFinding = {
    id: headEntry.unsupported ? 'unsupported' : 'render',
    ...(headEntry.unsupported ? { status: 'needs-approval' as const } : {}),
    message: `${headEntry.name}: ${headEntry.message}`,
    app: headEntry.name,
    ...(headEntry.file !== undefined ? { file: headEntry.file } : {}),
    ...(headEntry.line !== undefined ? { line: headEntry.line } : {}),
  };
  return { report, findings: [finding] };
}

/**
 * Whether an app both revisions define is untouched by the change: the same definition, and no changed file is one
 * its renders read at either revision. Such an app is not rendered (the render farm asks the same question).
 */
export async function isUntouched(o: {
  base: PlanSide;
  head: PlanSide;
  baseApp: Application;
  headApp: Application;
  renderer: AppRenderer;
  changedFiles: readonly string[];
}): Promise<boolean> {
  const definitionChanged =
    o.baseApp.manifest !== o.headApp.manifest &&
    frozenStringify(o.baseApp.manifest) !== frozenStringify(o.headApp.manifest);
  if (definitionChanged) return false;
  // A changed file affects the union of both sides' inputs exactly when it affects one side's.
  return (
    !isAffected(await o.renderer.inputsOf(o.base, o.baseApp), o.changedFiles) &&
    !isAffected(await o.renderer.inputsOf(o.head, o.headApp), o.changedFiles)
  );
}

/**
 * The apps of one slot (`namespace/name`) that `planApp` renders: both sides of a touched app, the one side of an
 * added or removed one, none for an untouched app or one that failed at head. The render farm and the progress
 * count ask the same question.
 */
export async function slotRenders(
  o: Omit<PlanAppInput, 'config'>,
): Promise<{ base?: Application; head?: Application }> {
  if (o.headEntry?.kind === 'error') return {};
  const baseApp = o.baseEntry?.kind === 'app' ? o.baseEntry.app : undefined;
  const headApp = o.headEntry?.app;
  if (baseApp !== undefined && headApp !== undefined && (await isUntouched({ ...o, baseApp, headApp }))) {
    return {};
  }
  return { ...(baseApp ? { base: baseApp } : {}), ...(headApp ? { head: headApp } : {}) };
}

export async function planApp(input: PlanAppInput): Promise<PlannedApp> {
  const { base, head, baseEntry, headEntry, renderer, changedFiles, config } = input;
  const shell = shellOf((headEntry ?? baseEntry)!);
  if (headEntry?.kind === 'error') return planErrorEntry(shell, baseEntry, headEntry, changedFiles);
  const headApp = headEntry?.app;
  const baseApp = baseEntry?.kind === 'app' ? baseEntry.app : undefined;
  if (headApp && baseApp) {
    if (await isUntouched({ base, head, baseApp, headApp, renderer, changedFiles })) {
      return {
        report: {
          ...shell,
          sourceType: await sourceTypeOf(headApp, head),
          status: 'unchanged',
          ...movedFrom(baseApp, headApp),
          ...(headApp.file !== undefined && changedFiles.includes(headApp.file) ? { fileChanged: true } : {}),
        },
        findings: [],
      };
    }
  }
  const [baseAttempt, headAttempt] = await Promise.all([
    baseApp ? renderer.render(base, baseApp) : undefined,
    headApp ? renderer.render(head, headApp) : undefined,
  ]);
  const app = (headApp ?? baseApp)!;
  if (headAttempt && !headAttempt.ok) {
    return {
      report: {
        ...shell,
        sourceType: await sourceTypeOf(app, head),
        status: 'error',
        error: headAttempt.error.message,
        resources: [],
      },
      findings: [findingFor(app, headAttempt.error)],
    };
  }
  const sourceType = headAttempt?.ok
    ? headAttempt.render.sourceType
    : baseAttempt?.ok
      ? baseAttempt.render.sourceType
      : await sourceTypeOf(app, base);
  let resources: AppReport['resources'];
  let baseObjects: ManagedObjects;
  let headObjects: ManagedObjects;
  try {
    ({ resources, baseObjects, headObjects } = diffAppResources({
      app,
      base: baseAttempt?.ok ? baseAttempt.render.objects : [],
      head: headAttempt?.ok ? headAttempt.render.objects : [],
      config,
    }));
  } catch (error) {
    if (!(error instanceof UnsupportedJqExpressionError)) throw error;
    return {
      report: {
        ...shell,
        sourceType,
        status: 'error',
        error: `${app.name}: ${error.message}`,
        resources: [],
      },
      findings: [findingFor(app, error)],
    };
  }
  const definition = diffDefinition(app.name, baseApp?.manifest, headApp?.manifest, config.diff.contextLines);
  // A definition change (destination, sync policy, chart version) is a change even when nothing renders differently.
  let status: AppStatus = resources.length > 0 || definition !== undefined ? 'changed' : 'unchanged';
  if (!baseApp) status = 'added';
  else if (!headApp) status = 'removed';
  const report: AppReport = { ...shell, sourceType, status, resources };
  if (status !== 'unchanged')
    report.lines = countDiffLines(resources.filter((r) => !isShownByItsPair(r)).map((r) => r.diff));
  // An app-of-apps child's definition is a resource of its parent: the parent's diff already shows it.
  if (definition !== undefined && !app.origin.startsWith('app-of-apps:')) report.definition = definition;
  if (baseApp && headApp) Object.assign(report, movedFrom(baseApp, headApp));
  const notApplied = headApp ? headObjects.skipped : baseObjects.skipped;
  if (status !== 'unchanged' && notApplied.length > 0) report.notApplied = notApplied;
  // The base failing to render while the head renders is a fix, not a failure: report it, don't gate on it.
  if (baseAttempt && !baseAttempt.ok)
    report.error = `base revision did not render: ${baseAttempt.error.message}`;
  const applied = headApp && headAttempt?.ok && status !== 'unchanged' ? headObjects.applied : undefined;
  if (applied === undefined) return { report, findings: [] };
  return { report, findings: [], headObjects: applied, baseObjects: baseObjects.applied };
}
