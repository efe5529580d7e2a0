import { isRecord } from '../../model/kube-object.ts';
import { FasttemplateError, renderFasttemplate } from '../../template/fasttemplate.ts';
import { GoTemplateError } from '../../template/go-template/go-template-error.ts';
import { type GoTemplate, parseGoTemplate } from '../../template/go-template/render-go-template.ts';
import { TemplateError } from './application-set-error.ts';
import { newParamSet, type ParamSet } from './param-set.ts';

/** Renders ApplicationSet strings with one parameter set, the way the ApplicationSet's settings ask. */
export interface TemplateRenderer {
  renderString(text: string, params: ParamSet): string;
  /** Every string and every map key in `value`, as Argo CD's deeplyReplace; nil map values are dropped. */
  renderDeep(value: unknown, params: ParamSet): unknown;
}

export interface TemplateRendererOptions {
  appSetName: string;
  goTemplate: boolean;
  missingKeyError: boolean;
}

const MAX_CACHED = 10_000;
const MAX_DEPTH = 64;
const MAX_STRING = 1024 * 1024;

function excerpt(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}

export function createTemplateRenderer(options: TemplateRendererOptions): TemplateRenderer {
  // One ApplicationSet renders the same strings for every parameter set: parse each once.
  const parsed = new Map<string, GoTemplate | GoTemplateError>();
  const fail = (text: string, error: unknown): never => {
    if (error instanceof GoTemplateError || error instanceof FasttemplateError) {
      throw new TemplateError(options.appSetName, `template ${excerpt(text)}: ${error.message}`);
    }
    throw error;
  };

  const goTemplate = (text: string): GoTemplate => {
    let entry = parsed.get(text);
    if (!entry) {
      try {
        entry = parseGoTemplate(text);
      } catch (error) {
        if (!(error instanceof GoTemplateError)) throw error;
        entry = error;
      }
      if (parsed.size < MAX_CACHED) parsed.set(text, entry);
    }
    if (entry instanceof GoTemplateError) return fail(text, entry);
    return entry;
  };

  const renderString = (text: string, params: ParamSet): string => {
    try {
      if (options.goTemplate) {
        return goTemplate(text).execute(params, {
          missingKeyError: options.missingKeyError,
          maxOutputLength: MAX_STRING,
        });
      }
      const out = renderFasttemplate(text, params);
      if (out.length > MAX_STRING)
        throw new FasttemplateError(`rendered output exceeds ${MAX_STRING} characters`);
      return out;
    } catch (error) {
      return fail(text, error);
    }
  };

  const renderDeep = (value: unknown, params: ParamSet, depth = 0): unknown => {
    if (depth > MAX_DEPTH)
      throw new TemplateError(options.appSetName, `template nested deeper than ${MAX_DEPTH} levels`);
    if (typeof value === 'string') return renderString(value, params);
    if (Array.isArray(value)) return value.map((v) => renderDeep(v, params, depth + 1));
    if (isRecord(value)) {
      const out = newParamSet();
      for (const key of Object.keys(value)) {
        const child = value[key];
        if (child === null || child === undefined) continue;
        const renderedKey = renderString(key, params);
        if (renderedKey === '__proto__') {
          throw new TemplateError(options.appSetName, `template key ${excerpt(key)} renders to "__proto__"`);
        }
        out[renderedKey] = renderDeep(child, params, depth + 1);
      }
      return out;
    }
    return value;
  };

  return { renderString, renderDeep: (value, params) => renderDeep(value, params) };
}
