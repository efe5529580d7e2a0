import { ApplicationSetError } from './application-set-error.ts';
import { mergeOverride } from './deep-merge.ts';
import type { GeneratorState } from './generator-state.ts';
import type { GenerateChild } from './matrix-generator.ts';
import { newParamSet, type ParamSet } from './param-set.ts';

function keyOf(params: ParamSet, mergeKeys: string[]): string {
  // Go marshals map keys sorted; a missing key is null.
  const key: Record<string, unknown> = Object.create(null);
  for (const mergeKey of mergeKeys) key[mergeKey] = Object.hasOwn(params, mergeKey) ? params[mergeKey] : null;
  return JSON.stringify(key);
}

/**
 * The merge generator: the first child's parameter sets are the base; each later child's set with the same
 * values for every merge key overrides the matching base set. Sets of later children matching no base set are
 * dropped; base order is kept.
 */
export function mergeParams(
  spec: Record<string, unknown>,
  state: GeneratorState,
  generate: GenerateChild,
): ParamSet[] {
  const fail = (reason: string): never => {
    throw new ApplicationSetError(state.appSetName, `merge generator: ${reason}`);
  };
  const children = spec.generators;
  if (!Array.isArray(children) || children.length < 2) fail('needs at least two child generators');
  const rawKeys = spec.mergeKeys;
  if (!Array.isArray(rawKeys) || rawKeys.length === 0 || rawKeys.some((k) => typeof k !== 'string')) {
    fail('at least one merge key must be specified');
  }
  const mergeKeys = [...new Set(rawKeys as string[])].sort();
  const index = (paramSets: ParamSet[]): Map<string, ParamSet> => {
    const byKey = new Map<string, ParamSet>();
    for (const params of paramSets) {
      const key = keyOf(params, mergeKeys);
      if (byKey.has(key)) {
        fail(
          `the parameters from a generator were not unique by the given mergeKeys. Duplicate key was ${key}`,
        );
      }
      byKey.set(key, params);
    }
    return byKey;
  };
  const base = index(generate((children as unknown[])[0]));
  for (const child of (children as unknown[]).slice(1)) {
    const overrides = index(generate(child));
    for (const [key, baseParams] of base) {
      const override = overrides.get(key);
      if (!override) continue;
      if (state.goTemplate) {
        base.set(key, mergeOverride(baseParams, override) as ParamSet);
      } else {
        const merged = newParamSet();
        Object.assign(merged, baseParams, override);
        base.set(key, merged);
      }
    }
  }
  return [...base.values()];
}
