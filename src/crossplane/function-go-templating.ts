import { isRecord } from '../model/kube-object.ts';
import { setKey } from '../model/own-keys.ts';
import { parseYamlDocuments, parseYamlValue, YamlLimitError, yamlToJS } from '../model/safe-yaml.ts';
import { type FunctionSpec, functionTable, MANY } from '../template/go-template/function-table.ts';
import { BUILTIN_FUNCTIONS, strval } from '../template/go-template/functions.ts';
import { GoTemplateError } from '../template/go-template/go-template-error.ts';
import { parseGoTemplate } from '../template/go-template/render-go-template.ts';
import { SPRIG_FUNCTIONS } from '../template/go-template/sprig-functions.ts';
import { isUnknown, UnknownValue, UnknownValueError } from '../template/go-template/unknown-value.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';

export const GO_TEMPLATING_GROUP = 'gotemplating.fn.crossplane.io';
export const GO_TEMPLATING_NAME_ANNOTATION = 'gotemplating.fn.crossplane.io/composition-resource-name';
const READY_ANNOTATION = 'gotemplating.fn.crossplane.io/ready';
const META_API_VERSION = 'meta.gotemplating.fn.crossplane.io/v1alpha1';
const MAX_OUTPUT = 4 * 1024 * 1024;
const MAX_DOCUMENTS = 1000;

/** A template the step cannot be predicted from: the reason, shown as "not predicted". */
export class GoTemplatingUnsupportedError extends Error {
  override readonly name = 'GoTemplatingUnsupportedError';
}

export interface GoTemplatingOutput {
  /** Composed resources by composition resource name, in template order. */
  resources: { name: string; object: Record<string, unknown> }[];
  notes: string[];
}

const spec = (min: number, max: number, fn: FunctionSpec['fn']): FunctionSpec => ({ min, max, fn });

/** `$.observed.resources…`: nothing is observed on the first render; what is read from it is known after apply. */
const OBSERVED = 'observed resource';
const observedResources = () => new UnknownValue(OBSERVED, KNOWN_AFTER_APPLY);

/** function-go-templating's own helpers (its function_maps.go), over the request map the template sees. */
const HELPERS = new Map<string, FunctionSpec>([
  ['setResourceNameAnnotation', spec(1, 1, ([name]) => `${GO_TEMPLATING_NAME_ANNOTATION}: ${strval(name)}`)],
  [
    'getComposedResource',
    spec(2, 2, ([req, name]) => {
      const observed = isRecord(req) && isRecord(req.observed) ? req.observed.resources : undefined;
      return isUnknown(observed) ? observed.field(strval(name)).field('resource') : null;
    }),
  ],
  [
    'getCompositeResource',
    spec(1, 1, ([req]) =>
      isRecord(req) && isRecord(req.observed) && isRecord(req.observed.composite)
        ? (req.observed.composite.resource ?? null)
        : null,
    ),
  ],
  [
    'getResourceCondition',
    spec(2, 2, ([type, resource]) => {
      const status = isRecord(resource) && isRecord(resource.status) ? resource.status : {};
      const found = (Array.isArray(status.conditions) ? status.conditions : []).find(
        (c) => isRecord(c) && c.type === type,
      );
      // Go's xpv1.Condition: the template reads its exported fields (`.Status`), Unknown when absent.
      return isRecord(found)
        ? { Type: found.type, Status: found.status, Reason: found.reason ?? '', Message: found.message ?? '' }
        : { Type: strval(type), Status: 'Unknown', Reason: '', Message: '' };
    }),
  ],
  // The function's own fromYaml (not Helm's): invalid YAML fails the template, empty input is nil.
  [
    'fromYaml',
    spec(1, 1, ([v]) => {
      try {
        return parseYamlValue(strval(v)) ?? null;
      } catch (error) {
        throw new GoTemplateError(
          `error calling fromYaml: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }),
  ],
  // The evaluator renders `include` itself; listed so the parser accepts the name.
  ['include', spec(2, 2, () => '')],
  ['randomChoice', spec(1, MANY, () => new UnknownValue('a random choice', KNOWN_AFTER_APPLY))],
]);

const GO_TEMPLATING_FUNCTIONS = functionTable(BUILTIN_FUNCTIONS, SPRIG_FUNCTIONS, HELPERS);

const ENVIRONMENT_KEY = 'apiextensions.crossplane.io/environment';

/** The pipeline's environment as the function sees it in its context; unknown when no EnvironmentConfig was supplied. */
export interface StepEnvironment {
  data: Record<string, unknown>;
  complete: boolean;
}

/** `dirPath` as written, or `/templates/` for `/templates`: both name the same folder. */
const dirKey = (dir: string) => dir.replace(/\/+$/, '');

/**
 * The template text of a `GoTemplate` input: inline (`template`, or `templates` joined by `---`), from the
 * environment, or from the function's filesystem when config maps its `dirPath` to a folder of the repository.
 */
function templateText(
  input: Record<string, unknown>,
  environment: StepEnvironment,
  templateDirs: ReadonlyMap<string, string>,
): string {
  const source = typeof input.source === 'string' ? input.source : '';
  if (source === 'Inline') {
    const inline = isRecord(input.inline) ? input.inline : {};
    if (typeof inline.template === 'string' && inline.template !== '') return inline.template;
    if (Array.isArray(inline.templates) && inline.templates.every((t) => typeof t === 'string')) {
      return inline.templates.join('\n---\n');
    }
    throw new GoTemplatingUnsupportedError('inline.template or inline.templates should be provided');
  }
  if (source === 'FileSystem') {
    const dir = isRecord(input.fileSystem) ? strval(input.fileSystem.dirPath) : '';
    const templates = [...templateDirs].find(([key]) => dirKey(key) === dirKey(dir))?.[1];
    if (templates !== undefined) return templates;
    throw new GoTemplatingUnsupportedError(
      `templates from the function's filesystem (${dir || 'no dirPath'}) are not in the repository; map the folder they come from with crossplane.goTemplatingDirs`,
    );
  }
  if (source === 'Environment') {
    const key = isRecord(input.environment) ? strval(input.environment.key) : '';
    const template = environment.data[key];
    if (typeof template === 'string' && template !== KNOWN_AFTER_APPLY) return template;
    throw new GoTemplatingUnsupportedError(
      environment.complete
        ? `the environment has no template at key ${key || '(none)'}`
        : `the template is read from the environment (key ${key || '(none)'}), whose EnvironmentConfigs are not in the repository`,
    );
  }
  throw new GoTemplatingUnsupportedError(`template source ${source || '(none)'} is not supported offline`);
}

/**
 * The input's `options` (text/template's `Option`: `missingkey=default|zero|error`) and `delims`: other delimiters
 * than `{{ }}` and other options are not evaluated offline.
 */
function templateOptions(input: Record<string, unknown>): { missingKeyError?: boolean } {
  const delims = isRecord(input.delims) ? input.delims : undefined;
  if (delims && ((delims.left ?? '{{') !== '{{' || (delims.right ?? '}}') !== '}}')) {
    throw new GoTemplatingUnsupportedError(
      `delimiters ${strval(delims.left)} ${strval(delims.right)} are not supported offline`,
    );
  }
  let missingKeyError = false;
  for (const option of Array.isArray(input.options) ? input.options : []) {
    if (option === 'missingkey=error') missingKeyError = true;
    else if (option === 'missingkey=default' || option === 'missingkey=invalid') missingKeyError = false;
    else throw new GoTemplatingUnsupportedError(`template option ${strval(option)} is not supported offline`);
  }
  return missingKeyError ? { missingKeyError } : {};
}

/** Every string holding the known-after-apply marker becomes the marker: part of it is unknown. */
function markUnknown(value: unknown): unknown {
  if (typeof value === 'string') return value.includes(KNOWN_AFTER_APPLY) ? KNOWN_AFTER_APPLY : value;
  if (Array.isArray(value)) return value.map(markUnknown);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markUnknown(v)]));
  return value;
}

/**
 * A copy of a value with every known-after-apply marker (the XR's uid, names Crossplane generates, values earlier
 * steps could not tell) as an unknown: a template deciding on one is named as not predicted, not run on the text.
 */
function withUnknowns(value: unknown, what: string): unknown {
  if (value === KNOWN_AFTER_APPLY) return new UnknownValue(what, KNOWN_AFTER_APPLY);
  if (Array.isArray(value)) return value.map((v, i) => withUnknowns(v, `${what}[${i}]`));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setKey(out, k, withUnknowns(v, `${what}.${k}`));
    return out;
  }
  return value;
}

/**
 * The request the template sees, as the function builds it: a copy. Sprig's `set` and `merge` change maps in place,
 * and a template must not reach the XR or the resources earlier steps produced.
 */
function request(
  composite: Record<string, unknown>,
  desired: ReadonlyMap<string, Record<string, unknown>>,
  environment: StepEnvironment,
) {
  return {
    observed: { composite: { resource: withUnknowns(composite, 'the XR') }, resources: observedResources() },
    desired: {
      composite: { resource: {} },
      resources: Object.fromEntries(
        [...desired].map(([name, object]) => [name, { resource: withUnknowns(object, `desired ${name}`) }]),
      ),
    },
    context: {
      [ENVIRONMENT_KEY]: environment.complete
        ? withUnknowns(environment.data, 'the environment')
        : new UnknownValue('the environment (EnvironmentConfigs not in the repository)', KNOWN_AFTER_APPLY),
    },
    extraResources: {},
  };
}

/**
 * Renders one function-go-templating step as the function does on the first reconcile: the template runs over the
 * request (the observed XR, the desired resources of earlier steps, nothing observed yet), its output is split into
 * YAML documents, and each document named by `gotemplating.fn.crossplane.io/composition-resource-name` becomes a
 * desired composed resource (the XR itself and `meta.gotemplating…` documents are not composed resources).
 * Throws GoTemplatingUnsupportedError or GoTemplateError with the reason when it cannot be predicted.
 */
export function renderGoTemplatingStep(o: {
  input: Record<string, unknown>;
  composite: Record<string, unknown>;
  desired: ReadonlyMap<string, Record<string, unknown>>;
  environment: StepEnvironment;
  templateDirs: ReadonlyMap<string, string>;
}): GoTemplatingOutput {
  const text = templateText(o.input, o.environment, o.templateDirs);
  const options = templateOptions(o.input);
  const undecided = new Set<string>();
  try {
    const rendered = parseGoTemplate(text, GO_TEMPLATING_FUNCTIONS).execute(
      request(o.composite, o.desired, o.environment),
      { maxOutputLength: MAX_OUTPUT, ...options, onUnknownDecision: (what) => undecided.add(what) },
    );
    const output = composedDocuments(rendered, o.composite);
    if (undecided.size > 0) output.notes.push(undecidedNote(undecided));
    return output;
  } catch (error) {
    if (error instanceof UnknownValueError) throw new GoTemplatingUnsupportedError(error.message);
    // Nesting past the stack, an array past its limit, a YAML bomb: the template is beyond an offline render.
    if (error instanceof RangeError || error instanceof YamlLimitError) {
      throw new GoTemplatingUnsupportedError(
        `the template exceeds the limits of an offline render: ${error.message}`,
      );
    }
    throw error;
  }
}

/** Names the observed resources (or other unknowns) conditions were decided on, once each. */
function undecidedNote(undecided: ReadonlySet<string>): string {
  const names = new Set(
    [...undecided].map((what) => (what.startsWith(`${OBSERVED}.`) ? what.split('.')[1]! : what)),
  );
  return `conditions on ${[...names].sort().join(', ')} (observed state) were taken as on the first render, when nothing is observed: what the template adds only once they exist is not shown`;
}

const META_KINDS = new Set(['CompositeConnectionDetails', 'Context', 'ExtraResources', 'ClaimConditions']);

/** The composed resources of the rendered text, as the function reads its output documents. */
function composedDocuments(rendered: string, composite: Record<string, unknown>): GoTemplatingOutput {
  const list = parseYamlDocuments(rendered);
  if (list.length > MAX_DOCUMENTS)
    throw new GoTemplateError(`template renders more than ${MAX_DOCUMENTS} documents`);
  const output: GoTemplatingOutput = { resources: [], notes: [] };
  const compositeKey = `${strval(composite.apiVersion)}\u0000${strval(composite.kind)}`;
  for (const [index, document] of list.entries()) {
    if (document.errors.length > 0) {
      throw new GoTemplateError(
        `rendered document ${index + 1} is not valid YAML: ${document.errors[0]!.message}`,
      );
    }
    const object = yamlToJS(document);
    if (object === null || object === undefined) continue;
    if (!isRecord(object)) throw new GoTemplateError(`rendered document ${index + 1} is not an object`);
    if (object.apiVersion === META_API_VERSION) {
      if (!META_KINDS.has(strval(object.kind))) {
        throw new GoTemplateError(
          `rendered document ${index + 1}: unknown ${META_API_VERSION} kind ${strval(object.kind)}`,
        );
      }
      if (object.kind === 'Context')
        output.notes.push('Context written by the template is not passed to later steps');
      continue;
    }
    // The XR's own document updates the XR (its status), unless it is named as a composed resource.
    const named =
      isRecord(object.metadata) && isRecord(object.metadata.annotations)
        ? object.metadata.annotations[GO_TEMPLATING_NAME_ANNOTATION] !== undefined
        : false;
    if (!named && `${strval(object.apiVersion)}\u0000${strval(object.kind)}` === compositeKey) continue;
    output.resources.push(composedFrom(object, index));
  }
  return output;
}

function composedFrom(
  object: Record<string, unknown>,
  index: number,
): { name: string; object: Record<string, unknown> } {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const annotations = isRecord(metadata.annotations) ? { ...metadata.annotations } : {};
  const name = annotations[GO_TEMPLATING_NAME_ANNOTATION];
  if (typeof name !== 'string' || name === '') {
    throw new GoTemplateError(
      `rendered document ${index + 1} (${strval(object.kind)}) is missing the ${GO_TEMPLATING_NAME_ANNOTATION} annotation`,
    );
  }
  delete annotations[GO_TEMPLATING_NAME_ANNOTATION];
  delete annotations[READY_ANNOTATION];
  const cleaned: Record<string, unknown> = { ...metadata };
  if (Object.keys(annotations).length > 0) cleaned.annotations = annotations;
  else delete cleaned.annotations;
  return { name, object: markUnknown({ ...object, metadata: cleaned }) as Record<string, unknown> };
}
