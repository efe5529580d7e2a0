import { GoTemplateError } from './go-template-error.ts';
import { type Budget, chargeDeep, UNBOUNDED } from './template-budget.ts';

/**
 * Functions that walk or copy their arguments in full (serialize, compare, copy, merge): the arguments' whole size
 * is charged first, so a value built up of shared references is refused before it is walked.
 */
const WALKS_ARGUMENTS = new Set([
  'print',
  'printf',
  'println',
  'quote',
  'squote',
  'join',
  'toYaml',
  'toJson',
  'toString',
  'toStrings',
  'has',
  'uniq',
  'without',
  'deepCopy',
  'merge',
  'mergeOverwrite',
  'sortAlpha',
  'kindIs',
]);

/** A function of the template language (what it walks in full is charged by the table before it runs). */
export type GoFunction = (args: unknown[]) => unknown;

export interface FunctionSpec {
  min: number;
  max: number;
  fn: GoFunction;
}

export const MANY = Number.POSITIVE_INFINITY;

/** The functions one kind of template may call (ApplicationSets and function-go-templating differ). */
export interface FunctionTable {
  has(name: string): boolean;
  call(name: string, args: unknown[], budget?: Budget): unknown;
}

/** A table over specs; arity is checked as Go's text/template does, a missing argument is nil. */
export function functionTable(...maps: ReadonlyMap<string, FunctionSpec>[]): FunctionTable {
  const specs = new Map<string, FunctionSpec>();
  for (const map of maps) for (const [name, spec] of map) specs.set(name, spec);
  return {
    has: (name) => specs.has(name),
    call: (name, args, budget = UNBOUNDED) => {
      const spec = specs.get(name);
      if (!spec) throw new GoTemplateError(`function "${name}" is not supported`);
      if (args.length < spec.min || args.length > spec.max) {
        const want = spec.min === spec.max ? String(spec.min) : `at least ${spec.min}`;
        throw new GoTemplateError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
      }
      if (WALKS_ARGUMENTS.has(name)) chargeDeep(args, budget, name);
      return spec.fn(args.map((a) => (a === undefined ? null : a)));
    },
  };
}
