import { evaluateTemplate } from './evaluator.ts';
import { isGoFunction } from './functions.ts';
import type { Node } from './parser.ts';
import { parseTemplate } from './parser.ts';

export interface GoTemplateOptions {
  /** Go's `missingkey=error` option. */
  missingKeyError?: boolean;
  maxOutputLength?: number;
}

/** A parsed template, to execute many times (one ApplicationSet string against every parameter set). */
export interface GoTemplate {
  execute(data: unknown, options?: GoTemplateOptions): string;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/**
 * Parses a Go text/template in the subset Argo CD ApplicationSets use (fields, `index`, pipelines, `if`/`with`,
 * a set of sprig functions). Anything else throws GoTemplateError naming it.
 */
export function parseGoTemplate(text: string): GoTemplate {
  const nodes: Node[] = parseTemplate(text, { isFunction: isGoFunction });
  return {
    execute: (data, options = {}) =>
      evaluateTemplate(nodes, data, {
        missingKeyError: options.missingKeyError ?? false,
        maxOutputLength: options.maxOutputLength ?? DEFAULT_MAX_OUTPUT,
      }),
  };
}

export function renderGoTemplate(text: string, data: unknown, options: GoTemplateOptions = {}): string {
  return parseGoTemplate(text).execute(data, options);
}
