import type { ToolSandbox } from './tool-sandbox.ts';

/** Everything a render needs besides the Application; built by the orchestrator for one checkout. */
export interface RenderContext {
  /** Absolute directory of the checkout at one revision; nothing outside it may be read. */
  root: string;
  /** True when a source's repoURL is this repository. */
  isThisRepo: (url: string) => boolean;
  tools: { helm: string; kubectl: string };
  timeoutMs: number;
  maxOutputBytes: number;
  /** Memory limit and user of every tool process (render.maxMemoryBytes, MERGEPLANE_RENDER_USER). */
  sandbox: ToolSandbox;
  /** URL prefixes allowed for remote Kustomize bases and Helm chart repositories ([] refuses all). */
  allowedRemotes: string[];
}
