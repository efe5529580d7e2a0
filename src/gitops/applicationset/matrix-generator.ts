import { ApplicationSetError } from './application-set-error.ts';
import { mergeMissing } from './deep-merge.ts';
import type { GeneratorState } from './generator-state.ts';
import { newParamSet, type ParamSet } from './param-set.ts';

export type GenerateChild = (child: unknown, interpolation?: ParamSet) => ParamSet[];

/**
 * The matrix generator: the cartesian product of two children, where the second child is rendered with each of
 * the first child's parameter sets. Fasttemplate parameters must agree on shared keys; Go-template parameters
 * merge deeply, the first child winning.
 */
export function matrixParams(
  spec: Record<string, unknown>,
  state: GeneratorState,
  generate: GenerateChild,
): ParamSet[] {
  const children = spec.generators;
  if (!Array.isArray(children) || children.length !== 2) {
    throw new ApplicationSetError(
      state.appSetName,
      `matrix generator needs exactly two child generators, found ${Array.isArray(children) ? children.length : 0}`,
    );
  }
  const result: ParamSet[] = [];
  for (const first of generate(children[0])) {
    for (const second of generate(children[1], first)) {
      result.push(
        state.goTemplate ? (mergeMissing(first, second) as ParamSet) : combine(first, second, state),
      );
      state.checkBudget(result.length);
    }
  }
  return result;
}

function combine(a: ParamSet, b: ParamSet, state: GeneratorState): ParamSet {
  const out = newParamSet();
  Object.assign(out, a);
  for (const [key, value] of Object.entries(b)) {
    if (Object.hasOwn(out, key) && out[key] !== value) {
      throw new ApplicationSetError(
        state.appSetName,
        `matrix generator: found duplicate key ${key} with different value, a: ${String(out[key])} ,b: ${String(value)} (set pathParamPrefix on a git generator)`,
      );
    }
    out[key] = value;
  }
  return out;
}
