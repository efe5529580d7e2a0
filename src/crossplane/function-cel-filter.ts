import { TypeError as CelTypeError, Environment, EvaluationError, ParseError } from '@marcbachmann/cel-js';
import { isRecord } from '../model/kube-object.ts';
import { compileSafeRegExp, UnsafeRegExpError } from './safe-regexp.ts';

export const CEL_FILTER_GROUP = 'cel.fn.crossplane.io';
const MAX_EXPRESSION = 4096;

/** A filter that cannot be evaluated offline, with the reason. */
export class CelFilterError extends Error {
  override readonly name = 'CelFilterError';
}

const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: {
    maxAstNodes: 2000,
    maxDepth: 32,
    maxListElements: 1000,
    maxMapEntries: 1000,
    maxCallArguments: 32,
  },
});

/**
 * function-cel-filter (`cel.fn.crossplane.io/v1beta1` `Filters`): each filter's `name` is an RE2 pattern anchored as
 * `^name$` over the desired composed resource names; when its boolean `expression` over `observed`, `desired` and
 * `context` is false, the matching resources are dropped from the desired state. Evaluated as on the first reconcile:
 * nothing is observed but the XR. Returns the names to drop; throws CelFilterError when a filter cannot be decided.
 */
export function celFilterDrops(o: {
  input: Record<string, unknown>;
  composite: Record<string, unknown>;
  desired: ReadonlyMap<string, Record<string, unknown>>;
}): string[] {
  const filters = Array.isArray(o.input.filters) ? o.input.filters : [];
  const variables = {
    observed: { composite: { resource: o.composite }, resources: {} },
    desired: {
      composite: { resource: {} },
      resources: Object.fromEntries([...o.desired].map(([name, object]) => [name, { resource: object }])),
    },
    context: {},
  };
  const drops = new Set<string>();
  for (const [index, filter] of filters.entries()) {
    if (!isRecord(filter) || typeof filter.name !== 'string' || typeof filter.expression !== 'string') {
      throw new CelFilterError(`filters[${index}] needs a name and an expression`);
    }
    if (filter.expression.length > MAX_EXPRESSION) {
      throw new CelFilterError(`filters[${index}] expression is longer than ${MAX_EXPRESSION} characters`);
    }
    const keep = evaluateFilter(filter.name, filter.expression, variables);
    if (keep) continue;
    const pattern = matcher(filter.name);
    for (const name of o.desired.keys()) if (pattern.test(name)) drops.add(name);
  }
  return [...drops];
}

function matcher(name: string): { test(input: string): boolean } {
  try {
    return compileSafeRegExp(`^${name}$`);
  } catch (error) {
    if (error instanceof UnsafeRegExpError) throw new CelFilterError(`filter ${name}: ${error.message}`);
    throw error;
  }
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/**
 * What an expression from a pull request may do before it runs: no `matches()` (cel-js runs its pattern on
 * JavaScript's backtracking engine, not RE2) and no comprehension inside another (its cost would be the product of
 * two lists' sizes). Walks the parsed AST, whose depth the environment already bounds.
 */
function vet(filter: string, node: unknown, nesting = 0): void {
  if (Array.isArray(node)) {
    for (const child of node) vet(filter, child, nesting);
    return;
  }
  if (!isRecord(node) || typeof node.op !== 'string') return;
  const args = Array.isArray(node.args) ? node.args : [];
  if ((node.op === 'call' || node.op === 'rcall') && typeof args[0] === 'string') {
    if (args[0] === 'matches') {
      throw new CelFilterError(
        `filter ${filter}: matches() is not evaluated offline (its regular expression would not run as RE2)`,
      );
    }
    if (MACROS.has(args[0]) && node.op === 'rcall') {
      if (nesting >= 1)
        throw new CelFilterError(`filter ${filter}: nested comprehensions are not evaluated offline`);
      vet(filter, args[1], nesting);
      vet(filter, args.slice(2), nesting + 1);
      return;
    }
  }
  vet(filter, args, nesting);
}

function evaluateFilter(name: string, expression: string, variables: Record<string, unknown>): boolean {
  let result: unknown;
  try {
    const parsed = environment.parse(expression);
    vet(name, parsed.ast);
    result = parsed(variables);
  } catch (error) {
    if (error instanceof ParseError || error instanceof EvaluationError || error instanceof CelTypeError) {
      throw new CelFilterError(`filter ${name}: ${error.message.split('\n')[0]}`);
    }
    throw error;
  }
  if (typeof result !== 'boolean') throw new CelFilterError(`filter ${name}: expression is not a bool`);
  return result;
}
