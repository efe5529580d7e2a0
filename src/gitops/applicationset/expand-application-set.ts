import type { Document } from 'yaml';
import { isRecord } from '../../model/kube-object.ts';
import { parseYamlDocuments, YamlLimitError, yamlToJS } from '../../model/safe-yaml.ts';
import { ApplicationSetError, TemplateError } from './application-set-error.ts';
import { applyMergePatch, mergeMissing } from './deep-merge.ts';
import { generateParams, generatorOf } from './generate-params.ts';
import type { GeneratorContext } from './generator-context.ts';
import type { GeneratorState } from './generator-state.ts';
import { newParamSet, type ParamSet, toPlainData, toSafeData } from './param-set.ts';
import { listRepoTree, type RepoTree } from './repo-tree.ts';
import { createTemplateRenderer, type TemplateRenderer } from './template-renderer.ts';

export type { GeneratorContext } from './generator-context.ts';

const MAX_PARAM_SETS = 10_000;
const MAX_REPO_ENTRIES = 200_000;
/** The template fields Argo CD copies into each Application (getTempApplication). */
const TEMPLATE_METADATA_FIELDS = ['name', 'namespace', 'labels', 'annotations', 'finalizers'];

function missingKeyErrorOption(options: unknown, appSetName: string): boolean {
  if (options === undefined || options === null) return false;
  if (!Array.isArray(options)) throw new TemplateError(appSetName, 'goTemplateOptions must be a list');
  let error = false;
  for (const option of options) {
    switch (option) {
      case 'missingkey=error':
        error = true;
        break;
      // With map[string]interface{} data, zero and invalid print <no value> exactly like default.
      case 'missingkey=default':
      case 'missingkey=invalid':
      case 'missingkey=zero':
        error = false;
        break;
      default:
        throw new TemplateError(appSetName, `goTemplateOptions ${JSON.stringify(option)} is not supported`);
    }
  }
  return error;
}

interface RenderOptions {
  appSetName: string;
  namespace: string | undefined;
  renderer: TemplateRenderer;
  templatePatch: string | undefined;
}

function renderApplication(
  template: Record<string, unknown>,
  params: ParamSet,
  options: RenderOptions,
): Record<string, unknown> {
  const templateMetadata = isRecord(template.metadata) ? template.metadata : {};
  const metadata = newParamSet();
  for (const field of TEMPLATE_METADATA_FIELDS) {
    if (Object.hasOwn(templateMetadata, field)) metadata[field] = templateMetadata[field];
  }
  const skeleton = newParamSet();
  skeleton.metadata = metadata;
  skeleton.spec = isRecord(template.spec) ? template.spec : newParamSet();
  // Argo CD leaves the template untouched when a generator yields an empty parameter set.
  let app = Object.keys(params).length === 0 ? skeleton : options.renderer.renderDeep(skeleton, params);
  if (options.templatePatch !== undefined) app = applyTemplatePatch(app, params, options);
  const rendered = isRecord(app) ? app : newParamSet();
  const renderedMetadata = isRecord(rendered.metadata) ? rendered.metadata : newParamSet();
  // The Application lives in the ApplicationSet's namespace whatever the template says (Argo CD's
  // apps-in-any-namespace boundary).
  if (options.namespace !== undefined) renderedMetadata.namespace = options.namespace;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: toPlainData(renderedMetadata),
    spec: toPlainData(isRecord(rendered.spec) ? rendered.spec : {}),
  };
}

function applyTemplatePatch(app: unknown, params: ParamSet, options: RenderOptions): unknown {
  const text = options.renderer.renderString(options.templatePatch!, params);
  let doc: Document | undefined;
  try {
    doc = parseYamlDocuments(text, { uniqueKeys: true })[0];
  } catch (error) {
    if (!(error instanceof YamlLimitError)) throw error;
    throw new TemplateError(options.appSetName, `templatePatch: ${error.message}`);
  }
  if (doc && doc.errors.length > 0) {
    throw new TemplateError(
      options.appSetName,
      `templatePatch renders invalid YAML: ${doc.errors[0]!.message}`,
    );
  }
  const patch = toSafeData(doc ? yamlToJS(doc) : null, (reason) => {
    throw new TemplateError(options.appSetName, `templatePatch: ${reason}`);
  });
  if (patch === null) return app;
  if (!isRecord(patch))
    throw new TemplateError(options.appSetName, 'templatePatch must render a YAML object');
  return applyMergePatch(app, patch);
}

/**
 * Expands an ApplicationSet into the Applications Argo CD's controller would generate, without any network:
 * git generators read `ctx.root`, the clusters generator reads `ctx.clusters`. Throws ApplicationSetError
 * (or its UnsupportedGeneratorError / TemplateError subclasses) naming the ApplicationSet.
 */
export function expandApplicationSet(
  appset: Record<string, unknown>,
  ctx: GeneratorContext,
): Record<string, unknown>[] {
  const metadata = isRecord(appset.metadata) ? appset.metadata : {};
  const appSetName = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : '(unnamed)';
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  const fail = (reason: string): never => {
    throw new ApplicationSetError(appSetName, reason);
  };
  const spec = appset.spec;
  if (!isRecord(spec)) return fail('spec is missing');
  const goTemplate = spec.goTemplate === true;
  const missingKeyError = missingKeyErrorOption(spec.goTemplateOptions, appSetName);
  if (!isRecord(spec.template)) return fail('spec.template is missing');
  const template = toSafeData(spec.template, (reason) => fail(`spec.template: ${reason}`)) as Record<
    string,
    unknown
  >;
  const { templatePatch } = spec;
  if (templatePatch !== undefined && templatePatch !== null && typeof templatePatch !== 'string') {
    fail('spec.templatePatch must be a string');
  }
  const generators = spec.generators ?? [];
  if (!Array.isArray(generators)) return fail('spec.generators must be a list');

  const renderer = createTemplateRenderer({ appSetName, goTemplate, missingKeyError });
  let tree: RepoTree | undefined;
  const state: GeneratorState = {
    appSetName,
    goTemplate,
    renderer,
    context: ctx,
    repoTree: () => {
      const options = { maxEntries: MAX_REPO_ENTRIES, fail };
      tree ??= typeof ctx.root === 'string' ? listRepoTree(ctx.root, options) : ctx.root.repoTree(options);
      return tree;
    },
    checkBudget: (count) => {
      if (count > MAX_PARAM_SETS) fail(`generators produce more than ${MAX_PARAM_SETS} parameter sets`);
    },
  };
  const options: RenderOptions = {
    appSetName,
    namespace,
    renderer,
    templatePatch: typeof templatePatch === 'string' ? templatePatch : undefined,
  };

  const applications: Record<string, unknown>[] = [];
  for (const entry of generators) {
    const safeEntry = toSafeData(entry, (reason) => fail(`generator: ${reason}`));
    const { spec: generatorSpec } = generatorOf(safeEntry, appSetName);
    const params = generateParams(safeEntry, state, 0);
    // A generator's own template wins field by field; the ApplicationSet's fills the rest (mergo without override).
    const merged = isRecord(generatorSpec.template)
      ? mergeMissing(generatorSpec.template, template)
      : template;
    for (const paramSet of params) {
      applications.push(renderApplication(merged, paramSet, options));
      state.checkBudget(applications.length);
    }
  }

  const seen = new Set<string>();
  for (const app of applications) {
    const name = (app.metadata as Record<string, unknown>).name;
    const key = String(name);
    if (seen.has(key)) fail(`contains applications with duplicate name: ${key}`);
    seen.add(key);
  }
  return applications;
}
