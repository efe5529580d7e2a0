import { evaluateTemplate } from './evaluator.ts';
import type { FunctionTable } from './function-table.ts';
import { functionTable } from './function-table.ts';
import { BUILTIN_FUNCTIONS } from './functions.ts';
import { parseTemplate } from './parser.ts';

export interface GoTemplateOptions {
  /** Go's `missingkey=error` option. */
  missingKeyError?: boolean;
  maxOutputLength?: number;
  maxSteps?: number;
  /** Called when a condition or `range` meets a value known only after apply (taken as absent, as on a first render). */
  onUnknownDecision?: (what: string) => void;
}

/** A parsed template, to execute many times (one ApplicationSet string against every parameter set). */
export interface GoTemplate {
  execute(data: unknown, options?: GoTemplateOptions): string;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const DEFAULT_MAX_STEPS = 1_000_000;
const BUILTIN = functionTable(BUILTIN_FUNCTIONS);

/**
 * Parses a Go text/template: fields, variables, `index`, pipelines, `if`/`with`/`range` (with `break`/`continue`),
 * `define`/`template`/`block`, and the functions of `functions` (default: Go's and the Sprig subset ApplicationSets
 * use). Anything else throws GoTemplateError naming it.
 */
export function parseGoTemplate(text: string, functions: FunctionTable = BUILTIN): GoTemplate {
  const template = parseTemplate(text, { isFunction: (name) => functions.has(name) });
  return {
    execute: (data, options = {}) =>
      evaluateTemplate(template, data, {
        missingKeyError: options.missingKeyError ?? false,
        maxOutputLength: options.maxOutputLength ?? DEFAULT_MAX_OUTPUT,
        maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
        functions,
        ...(options.onUnknownDecision ? { onUnknownDecision: options.onUnknownDecision } : {}),
      }),
  };
}

export function renderGoTemplate(text: string, data: unknown, options: GoTemplateOptions = {}): string {
  return parseGoTemplate(text).execute(data, options);
}
