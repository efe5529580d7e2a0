import type { IsLocalSource } from '../gitops/local-source.ts';
import type { ChartFetcher } from './chart-port.ts';
import type { SourceRepositories } from './source-repositories.ts';
import type { ToolSandbox } from './tool-sandbox.ts';

/** Charts from Helm repositories and OCI registries, with the plan's policy on which repositories may be asked. */
export interface RemoteCharts {
  fetcher: ChartFetcher;
  /** A repository the base revision already uses or config lists; one a change introduces needs approval. */
  approved(repoURL: string): Promise<boolean>;
}

/** Everything a render needs besides the Application; built by the orchestrator for one checkout. */
export interface RenderContext {
  /** Absolute directory of the tree sources are read from; nothing outside it may be read. */
  root: string;
  /** True when a source is read from `root` (this repository at the tracked branch, or the fetched tree). */
  isLocal: IsLocalSource;
  tools: { helm: string; kubectl: string };
  timeoutMs: number;
  maxOutputBytes: number;
  /** Memory limit and user of every tool process (render.maxMemoryBytes, MERGEPLANE_RENDER_USER). */
  sandbox: ToolSandbox;
  /** URL prefixes allowed for remote Kustomize bases and Helm chart repositories ([] refuses all). */
  allowedRemotes: string[];
  /** Extra `kubectl kustomize` flags from argocd `kustomize.buildOptions` (only the load restrictor is passed). */
  kustomizeFlags?: readonly string[];
  /** Undefined: charts from chart repositories are not rendered (named as unsupported). */
  charts?: RemoteCharts;
  /** Sources in other repositories or at other revisions; undefined: named as unsupported. */
  sources?: SourceRepositories;
}
