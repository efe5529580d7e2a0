import { isRecord } from '../../model/kube-object.ts';
import { ApplicationSetError, UnsupportedGeneratorError } from './application-set-error.ts';
import { clusterParams } from './cluster-generator.ts';
import type { GeneratorState } from './generator-state.ts';
import { gitParams } from './git-generator.ts';
import { matchesLabelSelector } from './label-selector.ts';
import { listParams } from './list-generator.ts';
import { matrixParams } from './matrix-generator.ts';
import { mergeParams } from './merge-generator.ts';
import type { ParamSet } from './param-set.ts';

const SUPPORTED = ['list', 'clusters', 'git', 'matrix', 'merge'] as const;
const UNSUPPORTED = new Set(['scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin']);
/** Argo CD's nested generator types stop after one level of matrix/merge inside matrix/merge. */
const MAX_COMBINATION_DEPTH = 2;

export type GeneratorType = (typeof SUPPORTED)[number];

/** The one generator type an entry of `spec.generators` holds, and its body. */
export function generatorOf(
  entry: unknown,
  appSetName: string,
): { type: GeneratorType; spec: Record<string, unknown> } {
  if (!isRecord(entry)) throw new ApplicationSetError(appSetName, 'each generator must be an object');
  const keys = Object.keys(entry).filter(
    (key) => key !== 'selector' && entry[key] !== null && entry[key] !== undefined,
  );
  for (const key of keys) {
    if (UNSUPPORTED.has(key)) {
      throw new UnsupportedGeneratorError(appSetName, `the ${key} generator is not supported offline`);
    }
    if (!(SUPPORTED as readonly string[]).includes(key)) {
      throw new UnsupportedGeneratorError(appSetName, `unknown generator ${JSON.stringify(key)}`);
    }
  }
  if (keys.length !== 1) {
    throw new ApplicationSetError(
      appSetName,
      `each generator entry must hold exactly one generator, found ${keys.length}`,
    );
  }
  const type = keys[0] as GeneratorType;
  const spec = entry[type];
  if (!isRecord(spec)) throw new ApplicationSetError(appSetName, `the ${type} generator must be an object`);
  return { type, spec };
}

/**
 * Parameter sets of one generator entry. `interpolation` (the first matrix child's parameters) is rendered
 * into the whole entry first, as Argo CD's InterpolateGenerator does; `selector` then filters on the
 * parameters' top-level string values.
 */
export function generateParams(
  entry: unknown,
  state: GeneratorState,
  depth: number,
  interpolation?: ParamSet,
): ParamSet[] {
  let resolved = entry;
  if (interpolation && Object.keys(interpolation).length > 0) {
    resolved = state.renderer.renderDeep(entry, interpolation);
  }
  const { type, spec } = generatorOf(resolved, state.appSetName);
  if ((type === 'matrix' || type === 'merge') && depth >= MAX_COMBINATION_DEPTH) {
    throw new UnsupportedGeneratorError(
      state.appSetName,
      `a ${type} generator nested inside two levels of matrix/merge is not supported (Argo CD allows one level)`,
    );
  }
  const generate = (child: unknown, childInterpolation?: ParamSet): ParamSet[] =>
    generateParams(child, state, depth + 1, childInterpolation);
  let params: ParamSet[];
  switch (type) {
    case 'list':
      params = listParams(spec, state);
      break;
    case 'clusters':
      params = clusterParams(spec, state);
      break;
    case 'git':
      params = gitParams(spec, state);
      break;
    case 'matrix':
      params = matrixParams(spec, state, generate);
      break;
    case 'merge':
      params = mergeParams(spec, state, generate);
      break;
  }
  const selector = isRecord(resolved) ? resolved.selector : undefined;
  if (selector === undefined || selector === null) return params;
  const fail = (reason: string): never => {
    throw new ApplicationSetError(state.appSetName, `${type} generator ${reason}`);
  };
  return params.filter((p) => {
    const labels: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(p)) if (typeof value === 'string') labels[key] = value;
    return matchesLabelSelector(selector, labels, fail);
  });
}
