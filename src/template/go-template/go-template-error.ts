/** A Go text/template that cannot be parsed or executed, or uses something outside the supported subset. */
export class GoTemplateError extends Error {
  override readonly name: string = 'GoTemplateError';
}
