import { isRecord } from '../../model/kube-object.ts';
import { ApplicationSetError } from './application-set-error.ts';
import { newParamSet, type ParamSet } from './param-set.ts';
import type { TemplateRenderer } from './template-renderer.ts';

/**
 * Argo CD's appendTemplatedValues: each generator `values` entry is rendered with the parameters generated so
 * far (not with other values) and added as `values.KEY` (fasttemplate) or `.values.KEY` (Go template).
 */
export function appendTemplatedValues(
  values: unknown,
  params: ParamSet,
  options: { appSetName: string; goTemplate: boolean; renderer: TemplateRenderer },
): void {
  if (values === undefined || values === null) return;
  if (!isRecord(values))
    throw new ApplicationSetError(options.appSetName, 'generator values must be a map of strings');
  const rendered = newParamSet();
  for (const [key, value] of Object.entries(values)) {
    if (key === '__proto__')
      throw new ApplicationSetError(options.appSetName, 'a "__proto__" values key is not allowed');
    if (typeof value !== 'string') {
      throw new ApplicationSetError(options.appSetName, `generator values.${key} must be a string`);
    }
    rendered[key] = options.renderer.renderString(value, params);
  }
  if (options.goTemplate) {
    params.values = rendered;
  } else {
    for (const key of Object.keys(rendered)) params[`values.${key}`] = rendered[key];
  }
}
