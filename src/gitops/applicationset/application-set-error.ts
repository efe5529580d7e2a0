/** An ApplicationSet Mergeplane cannot expand; the message names the ApplicationSet and what failed. */
export class ApplicationSetError extends Error {
  override readonly name: string = 'ApplicationSetError';
  readonly appSetName: string;

  constructor(appSetName: string, detail: string) {
    super(`ApplicationSet ${appSetName}: ${detail}`);
    this.appSetName = appSetName;
  }
}

/** A generator Mergeplane does not expand offline (scmProvider, pullRequest, plugin…), or a git generator on another repository. */
export class UnsupportedGeneratorError extends ApplicationSetError {
  override readonly name = 'UnsupportedGeneratorError';
}

/** A template that fails to render: syntax, a function outside the supported subset, `missingkey=error`. */
export class TemplateError extends ApplicationSetError {
  override readonly name = 'TemplateError';
}
