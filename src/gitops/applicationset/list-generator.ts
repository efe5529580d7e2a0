import type { Document } from 'yaml';
import { isRecord } from '../../model/kube-object.ts';
import { parseYamlDocuments, YamlLimitError, yamlToJS } from '../../model/safe-yaml.ts';
import { ApplicationSetError } from './application-set-error.ts';
import type { GeneratorState } from './generator-state.ts';
import { newParamSet, type ParamSet, toSafeData } from './param-set.ts';

/**
 * The list generator: one parameter set per element. With fasttemplate every element value must be a string
 * (a `values` map becomes `values.KEY`), as in Argo CD; with Go templates elements are kept whole.
 * `elementsYaml` elements are appended as parsed.
 */
export function listParams(spec: Record<string, unknown>, state: GeneratorState): ParamSet[] {
  const fail = (reason: string): never => {
    throw new ApplicationSetError(state.appSetName, `list generator: ${reason}`);
  };
  const result: ParamSet[] = [];
  const elements = spec.elements ?? [];
  if (!Array.isArray(elements)) fail('elements must be a list');
  (elements as unknown[]).forEach((element, i) => {
    if (!isRecord(element)) fail(`element ${i} must be an object`);
    const safe = toSafeData(element, (reason) => fail(`element ${i}: ${reason}`)) as ParamSet;
    if (state.goTemplate) {
      result.push(safe);
      return;
    }
    const params = newParamSet();
    for (const [key, value] of Object.entries(safe)) {
      if (key === 'values') {
        if (!isRecord(value)) fail(`element ${i}: values must be a map of strings`);
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (typeof v !== 'string')
            fail(`element ${i}: values.${k} is not a string (quote it, or use goTemplate)`);
          params[`values.${k}`] = v;
        }
      } else {
        if (typeof value !== 'string')
          fail(`element ${i}: ${key} is not a string (quote it, or use goTemplate)`);
        params[key] = value;
      }
    }
    result.push(params);
  });
  if (spec.elementsYaml !== undefined && spec.elementsYaml !== '') {
    if (typeof spec.elementsYaml !== 'string') fail('elementsYaml must be a string');
    let doc: Document | undefined;
    try {
      doc = parseYamlDocuments(spec.elementsYaml as string, { uniqueKeys: true })[0];
    } catch (error) {
      if (!(error instanceof YamlLimitError)) throw error;
      fail(`elementsYaml: ${error.message}`);
    }
    if (doc && doc.errors.length > 0) fail(`elementsYaml: ${doc.errors[0]!.message}`);
    const parsed: unknown = doc ? yamlToJS(doc) : null;
    if (parsed !== null && !Array.isArray(parsed)) fail('elementsYaml must be a YAML list of objects');
    for (const [i, element] of ((parsed as unknown[] | null) ?? []).entries()) {
      if (!isRecord(element)) fail(`elementsYaml element ${i} must be an object`);
      result.push(toSafeData(element, (reason) => fail(`elementsYaml element ${i}: ${reason}`)) as ParamSet);
    }
  }
  state.checkBudget(result.length);
  return result;
}
