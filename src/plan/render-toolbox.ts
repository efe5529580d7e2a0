import type { Application, ApplicationSource } from '../gitops/application.ts';
import type { IsLocalSource } from '../gitops/local-source.ts';
import type { DetectedSourceType } from '../render/detect-source-type.ts';
import { isRendered } from '../render/render-application.ts';
import { RenderError } from '../render/render-error.ts';
import { resolveTool, type ToolName, ToolNotFoundError, toolVersion } from '../render/resolve-tool.ts';
import { InvalidToolUserError, resolveToolUser, type ToolSandbox } from '../render/tool-sandbox.ts';

type ResolvedTool = { path: string; version: Promise<string> } | { error: ToolNotFoundError };

/** The render tools and their sandbox for one plan, each resolved once and lazily. */
export interface RenderToolbox {
  /** Paths and versions of the tools an app needs; a RenderError naming a missing one. */
  toolsFor(
    app: Application,
    needed: ReadonlySet<ToolName>,
  ): Promise<
    { paths: { helm: string; kubectl: string }; versions: Record<string, string> } | { error: RenderError }
  >;
  /** The memory limit and user of every tool process, or why the configured user is unusable. */
  sandbox(): ToolSandbox | InvalidToolUserError;
}

export function createRenderToolbox(env: NodeJS.ProcessEnv, maxMemoryBytes: number): RenderToolbox {
  const tools = new Map<ToolName, ResolvedTool>();
  let sandbox: ToolSandbox | InvalidToolUserError | undefined;
  // Resolved lazily: a missing helm only fails the apps that need helm.
  const tool = (name: ToolName): ResolvedTool => {
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
  return {
    async toolsFor(app, needed) {
      const paths = { helm: '', kubectl: '' };
      const versions: Record<string, string> = {};
      for (const name of needed) {
        const resolved = tool(name);
        if ('error' in resolved)
          return { error: new RenderError(`application ${app.name}: ${resolved.error.message}`) };
        paths[name] = resolved.path;
        versions[name] = await resolved.version;
      }
      return { paths, versions };
    },
    sandbox() {
      if (sandbox === undefined) {
        try {
          const user = resolveToolUser(env);
          sandbox = { maxMemoryBytes, ...(user ? { user } : {}) };
        } catch (error) {
          if (!(error instanceof InvalidToolUserError)) throw error;
          sandbox = error;
        }
      }
      return sandbox;
    },
  };
}

/** The tools an app's render runs: helm for charts, kubectl for kustomize (and helm with --enable-helm). */
export async function toolsNeeded(
  app: Application,
  detect: (source: ApplicationSource) => Promise<DetectedSourceType>,
  isLocal: IsLocalSource,
  kustomizeEnablesHelm: boolean,
): Promise<Set<ToolName>> {
  const needed = new Set<ToolName>();
  for (const source of app.sources) {
    if (!isRendered(source, app.multiSource)) continue;
    if (!isLocal(source) && source.path !== undefined) {
      // Its type is known only once its tree is read.
      needed.add('helm');
      needed.add('kubectl');
      continue;
    }
    const type = await detect(source);
    if (type === 'helm') needed.add('helm');
    if (type === 'kustomize') needed.add('kubectl');
    if (type === 'kustomize' && kustomizeEnablesHelm) needed.add('helm');
  }
  return needed;
}
