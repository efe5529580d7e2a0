export interface RenderContext {
  /** Absolute directory of the checkout at one revision; nothing outside it may be read. */
  root: string;
  isThisRepo: (url: string) => boolean;
  tools: { helm: string; kubectl: string };
  timeoutMs: number;
  maxOutputBytes: number;
  /** URL prefixes of remote Kustomize bases and Helm chart repositories that may be used. */
  allowedRemotes: string[];
}
