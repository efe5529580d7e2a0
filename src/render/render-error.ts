/** A render failed; the message is user-facing and names the app, the source and the tool's error. */
export class RenderError extends Error {
  override readonly name: string = 'RenderError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where: { file?: string; line?: number } = {}) {
    super(message);
    this.file = where.file;
    this.line = where.line;
  }
}

/** Pull-request content tried to reach outside the checkout or run code: symlink escape, exec plugin, remote base. */
export class UnsafeContentError extends RenderError {
  override readonly name = 'UnsafeContentError';
}

/** A source Mergeplane does not render offline: config management plugins, Jsonnet, remote charts. */
export class UnsupportedSourceError extends RenderError {
  override readonly name = 'UnsupportedSourceError';
}

/** A rendered document is not a Kubernetes object (no apiVersion, kind or metadata.name). */
export class InvalidManifestError extends RenderError {
  override readonly name = 'InvalidManifestError';
}
