/** Where a render error points: a repository-relative POSIX path, and a 1-based line when known. */
export interface ErrorLocation {
  file?: string;
  line?: number;
}

/**
 * A render that failed for a reason the user can fix in the repository. The message is user-facing:
 * it names the application, the source and the tool's error (with temp paths rewritten to repository paths).
 */
export class RenderError extends Error {
  override readonly name: string = 'RenderError';
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, location: ErrorLocation = {}, options?: ErrorOptions) {
    super(message, options);
    if (location.file !== undefined) this.file = location.file;
    if (location.line !== undefined) this.line = location.line;
  }
}

/** Content that could make the render read outside the checkout or run code: symlink escapes, exec plugins, remote bases or charts. */
export class UnsafeContentError extends RenderError {
  override readonly name: string = 'UnsafeContentError';
}

/** A source Mergeplane cannot render: config management plugins, jsonnet, charts from Helm repositories, other repositories. */
export class UnsupportedSourceError extends RenderError {
  override readonly name: string = 'UnsupportedSourceError';
}

/** A rendered document that is not a Kubernetes object (or not valid YAML). */
export class InvalidManifestError extends RenderError {
  override readonly name: string = 'InvalidManifestError';
}
