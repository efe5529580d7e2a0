import { isKubeObject, isRecord } from '../model/kube-object.ts';
import { type Composition, CrossplaneModelError, parseComposition } from './crossplane-model.ts';
import {
  expandWildcards,
  FieldPathError,
  type FieldPathSegment,
  formatFieldPath,
  getFieldValue,
  parseFieldPath,
  setFieldValue,
} from './field-path.ts';
import { GoFormatError, goSprintf } from './go-sprintf.ts';
import { containsKnownAfterApply, KNOWN_AFTER_APPLY } from './known-after-apply.ts';
import { type MergeOptions, mergeValue } from './merge-value.ts';
import { resolveTransforms, TransformError } from './resolve-transforms.ts';

export const COMPOSITION_RESOURCE_NAME_ANNOTATION = 'crossplane.io/composition-resource-name';
export const PT_INPUT_API_VERSION = 'pt.fn.crossplane.io/v1beta1';

export interface ComposedResource {
  /** The composition resource name (`crossplane.io/composition-resource-name`). */
  name: string;
  object: Record<string, unknown>;
  /** Field paths whose value is only known after apply (their value is KNOWN_AFTER_APPLY). */
  unknownPaths: string[];
}

export interface UnsupportedStep {
  step: string;
  functionName: string;
  reason: string;
}

export interface RenderError {
  /** Composition resource name, or the pipeline step for step-level errors. */
  resource: string;
  /** Index of the failing patch in the resource's expanded patch list. */
  patch?: number;
  message: string;
}

export interface ComposedResult {
  resources: ComposedResource[];
  /** Pipeline steps whose composed resources cannot be predicted offline. */
  unsupported: UnsupportedStep[];
  /** Notes: patches applied after provisioning, missing EnvironmentConfigs, ambiguities. */
  warnings: string[];
  /** Invalid patches or transforms; the targets are marked known after apply. */
  errors: RenderError[];
}

/** Functions that never add composed resources, so skipping them loses nothing. */
const NO_COMPOSED_RESOURCES = ['function-auto-ready'];
const ENVIRONMENT_FUNCTIONS = ['function-environment-configs'];

/**
 * A Function object's name is chosen by whoever installs the package: `function-auto-ready`,
 * `crossplane-contrib-function-auto-ready` (what Upbound's tooling and lock files generate), or a
 * suffixed copy. Match the package name as a whole dash-separated part of the Function's name.
 */
function isFunction(functionName: string, packages: readonly string[]): boolean {
  return packages.some(
    (p) =>
      functionName === p ||
      functionName.endsWith(`-${p}`) ||
      functionName.startsWith(`${p}-`) ||
      functionName.includes(`-${p}-`),
  );
}

/** XR fields Crossplane fills in itself; when absent from the manifest they are known only after apply. */
const SET_BY_CROSSPLANE = [
  'metadata.uid',
  'metadata.generation',
  'metadata.resourceVersion',
  'metadata.creationTimestamp',
  'metadata.generateName',
  'metadata.labels[crossplane.io/composite]',
  'spec.resourceRefs',
  'spec.claimRef',
  'spec.compositionRef',
  'spec.compositionRevisionRef',
  'spec.compositionUpdatePolicy',
  'spec.writeConnectionSecretToRef',
  'spec.crossplane',
];

type Source =
  | { state: 'value'; value: unknown }
  | { state: 'missing' }
  | { state: 'unknown'; reason: string };

interface Environment {
  data: Record<string, unknown>;
  /** False when no EnvironmentConfig data was supplied: absent keys are then unknown, not missing. */
  complete: boolean;
}

interface Working {
  name: string;
  object: Record<string, unknown>;
  unknown: Set<string>;
}

interface Context {
  composite: Record<string, unknown>;
  env: Environment;
  result: ComposedResult;
  desired: Map<string, Working>;
  warnedEnvironment: boolean;
}

/**
 * Predicts the composed resources of a Composition for one XR, evaluating
 * function-patch-and-transform (`pt.fn.crossplane.io/v1beta1` `Resources` inputs) and legacy
 * `mode: Resources`. Other functions are reported as unsupported, never guessed.
 */
export function renderComposed(o: {
  composite: Record<string, unknown>;
  composition: Composition | Record<string, unknown>;
  environment?: Record<string, unknown>;
}): ComposedResult {
  const composition = isKubeObject(o.composition)
    ? parseComposition(o.composition)
    : (o.composition as Composition);
  const ctx: Context = {
    composite: o.composite,
    env: { data: structuredClone(o.environment ?? {}), complete: o.environment !== undefined },
    result: { resources: [], unsupported: [], warnings: [], errors: [] },
    desired: new Map(),
    warnedEnvironment: false,
  };
  if (composition.mode === 'Resources') {
    evaluateInput(ctx, 'resources', {
      resources: composition.resources,
      patchSets: composition.patchSets,
      environment: composition.environment,
      legacy: true,
    });
  } else {
    for (const step of composition.pipeline) {
      const input = step.input;
      if (input && input.apiVersion === PT_INPUT_API_VERSION && input.kind === 'Resources') {
        evaluateInput(ctx, step.step, {
          resources: Array.isArray(input.resources) ? input.resources : [],
          patchSets: Array.isArray(input.patchSets) ? input.patchSets : [],
          environment: isRecord(input.environment) ? input.environment : undefined,
          legacy: false,
        });
      } else if (isFunction(step.functionName, NO_COMPOSED_RESOURCES)) {
        // Readiness only.
      } else if (isFunction(step.functionName, ENVIRONMENT_FUNCTIONS)) {
        if (!ctx.env.complete) {
          ctx.result.warnings.push(
            `step ${step.step}: ${step.functionName} loads EnvironmentConfigs that were not supplied; values read from the environment are known after apply`,
          );
        }
      } else {
        ctx.result.unsupported.push({
          step: step.step,
          functionName: step.functionName,
          reason: `composed resources not predicted: function ${step.functionName}: ${whyUnsupported(step.input)}`,
        });
      }
    }
  }
  ctx.result.resources = [...ctx.desired.values()].map((w) => ({
    name: w.name,
    object: w.object,
    unknownPaths: [...w.unknown].sort(),
  }));
  return ctx.result;
}

/** Inputs of well-known functions whose output depends on code Mergeplane does not run. */
const UNSUPPORTED_INPUTS: { group: string; what: string }[] = [
  { group: 'krm.kcl.dev', what: 'a KCL program, which Mergeplane does not run' },
  { group: 'gotemplating.fn.crossplane.io', what: 'Go templates, which Mergeplane does not render' },
  { group: 'python.fn.crossplane.io', what: 'a Python script, which Mergeplane does not run' },
  { group: 'cue.fn.crossplane.io', what: 'a CUE program, which Mergeplane does not evaluate' },
  {
    group: 'cel.fn.crossplane.io',
    what: 'CEL filters that may drop composed resources of earlier steps; Mergeplane does not evaluate them',
  },
  {
    group: 'sequencer.fn.crossplane.io',
    what: 'a sequence that delays composed resources of earlier steps until others are ready',
  },
];

function whyUnsupported(input: Record<string, unknown> | undefined): string {
  if (!input) return 'its logic is in the function package, not in the Composition';
  const apiVersion = typeof input.apiVersion === 'string' ? input.apiVersion : '';
  const group = apiVersion.split('/')[0] ?? '';
  const known = UNSUPPORTED_INPUTS.find((k) => group === k.group);
  if (known) return known.what;
  const kind = typeof input.kind === 'string' ? input.kind : '';
  const described = [apiVersion, kind].filter((p) => p !== '').join(' ');
  return `its input${described ? ` (${described})` : ''} is not evaluated offline`;
}

interface PtInput {
  resources: unknown[];
  patchSets: unknown[];
  environment: Record<string, unknown> | undefined;
  legacy: boolean;
}

function evaluateInput(ctx: Context, step: string, input: PtInput): void {
  let patchSets: Map<string, unknown[]>;
  try {
    patchSets = indexPatchSets(input.patchSets);
  } catch (error) {
    if (!(error instanceof CrossplaneModelError)) throw error;
    ctx.result.errors.push({ resource: step, message: error.message });
    return;
  }
  const envPatches =
    isRecord(input.environment) && Array.isArray(input.environment.patches) ? input.environment.patches : [];
  envPatches.forEach((patch, index) => {
    applyEnvironmentPatch(ctx, step, patch, index);
  });

  input.resources.forEach((template, index) => {
    if (!isRecord(template)) {
      ctx.result.errors.push({
        resource: `${step}[${index}]`,
        message: 'resource template must be an object',
      });
      return;
    }
    const named = typeof template.name === 'string' && template.name !== '';
    if (!named && !input.legacy) {
      ctx.result.errors.push({
        resource: `${step}[${index}]`,
        message: 'resource template name is required',
      });
      return;
    }
    const name = named ? (template.name as string) : `resources[${index}]`;
    const previous = ctx.desired.get(name);
    let working: Working;
    if (isRecord(template.base)) {
      working = { name, object: structuredClone(template.base), unknown: new Set() };
    } else if (previous) {
      working = { name, object: structuredClone(previous.object), unknown: new Set(previous.unknown) };
    } else {
      ctx.result.errors.push({
        resource: name,
        message: `composed resource "${name}" has no base template, and was not produced by a previous Function in the pipeline`,
      });
      return;
    }
    let patches: unknown[];
    try {
      patches = expandPatchSets(Array.isArray(template.patches) ? template.patches : [], patchSets);
    } catch (error) {
      if (!(error instanceof CrossplaneModelError)) throw error;
      ctx.result.errors.push({ resource: name, message: error.message });
      return;
    }
    patches.forEach((patch, patchIndex) => {
      applyComposedPatch(ctx, working, patch, patchIndex);
    });
    finishMetadata(ctx, working, named);
    ctx.desired.set(name, working);
  });
}

function indexPatchSets(patchSets: unknown[]): Map<string, unknown[]> {
  const map = new Map<string, unknown[]>();
  for (const ps of patchSets) {
    if (!isRecord(ps) || typeof ps.name !== 'string')
      throw new CrossplaneModelError('a PatchSet needs a name');
    const patches = Array.isArray(ps.patches) ? ps.patches : [];
    if (patches.some((p) => isRecord(p) && p.type === 'PatchSet')) {
      throw new CrossplaneModelError(`PatchSet ${ps.name}: a patch in a PatchSet cannot be of type PatchSet`);
    }
    map.set(ps.name, patches);
  }
  return map;
}

function expandPatchSets(patches: unknown[], patchSets: Map<string, unknown[]>): unknown[] {
  const out: unknown[] = [];
  for (const p of patches) {
    if (isRecord(p) && p.type === 'PatchSet') {
      if (typeof p.patchSetName !== 'string')
        throw new CrossplaneModelError('PatchSetName is required by type PatchSet');
      const set = patchSets.get(p.patchSetName);
      if (!set) throw new CrossplaneModelError(`cannot find PatchSet by name ${p.patchSetName}`);
      out.push(...set);
    } else {
      out.push(p);
    }
  }
  return out;
}

function finishMetadata(ctx: Context, w: Working, named: boolean): void {
  const metadata = isRecord(w.object.metadata) ? w.object.metadata : {};
  w.object.metadata = metadata;
  if (named) {
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    annotations[COMPOSITION_RESOURCE_NAME_ANNOTATION] = w.name;
    metadata.annotations = annotations;
  }
  // Namespaced (v2) XRs compose into their own namespace.
  const xrMetadata = isRecord(ctx.composite.metadata) ? ctx.composite.metadata : {};
  if (typeof xrMetadata.namespace === 'string' && metadata.namespace === undefined) {
    metadata.namespace = xrMetadata.namespace;
  }
  // Crossplane generates `<xr name>-<suffix>` when the template does not name the resource.
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    metadata.name = KNOWN_AFTER_APPLY;
    w.unknown.add('metadata.name');
  }
}

function isStatusPath(segments: readonly FieldPathSegment[]): boolean {
  return segments[0]?.type === 'field' && segments[0].field === 'status';
}

function isSetByCrossplane(path: string): boolean {
  const canonical = formatFieldPath(parseFieldPath(path));
  return SET_BY_CROSSPLANE.some(
    (p) => canonical === p || canonical.startsWith(`${p}.`) || canonical.startsWith(`${p}[`),
  );
}

function readComposite(ctx: Context, path: string): Source {
  const segments = parseFieldPath(path);
  if (isStatusPath(segments)) return { state: 'unknown', reason: `${path} is XR status, set after apply` };
  const lookup = getFieldValue(ctx.composite, segments);
  if (lookup.found) {
    return containsKnownAfterApply(lookup.value)
      ? { state: 'unknown', reason: `${path} is set by Crossplane after apply` }
      : { state: 'value', value: lookup.value };
  }
  if (isSetByCrossplane(path))
    return { state: 'unknown', reason: `${path} is set by Crossplane after apply` };
  return { state: 'missing' };
}

function readEnvironment(ctx: Context, path: string): Source {
  const lookup = getFieldValue(ctx.env.data, path);
  if (lookup.found) {
    return containsKnownAfterApply(lookup.value)
      ? { state: 'unknown', reason: `environment ${path} is known after apply` }
      : { state: 'value', value: lookup.value };
  }
  if (!ctx.env.complete) return { state: 'unknown', reason: `environment ${path} needs EnvironmentConfig` };
  return { state: 'missing' };
}

function fromPolicy(patch: Record<string, unknown>): 'Optional' | 'Required' {
  return isRecord(patch.policy) && patch.policy.fromFieldPath === 'Required' ? 'Required' : 'Optional';
}

class PatchError extends Error {
  override readonly name = 'PatchError';
}

function mergeOptionsOf(patch: Record<string, unknown>): MergeOptions | undefined {
  const policy = isRecord(patch.policy) ? patch.policy : undefined;
  if (!policy) return undefined;
  const to = policy.toFieldPath;
  if (to === undefined && isRecord(policy.mergeOptions)) {
    // Pre-1.14 Compositions: `policy.mergeOptions`.
    return {
      keepMapValues: policy.mergeOptions.keepMapValues === true,
      appendSlice: policy.mergeOptions.appendSlice === true,
    };
  }
  switch (to ?? 'Replace') {
    case 'Replace':
      return undefined;
    case 'MergeObjects':
    case 'MergeObject':
      return { keepMapValues: true, appendSlice: false };
    case 'MergeObjectsAppendArrays':
      return { keepMapValues: true, appendSlice: true };
    case 'ForceMergeObjects':
      return { keepMapValues: false, appendSlice: false };
    case 'ForceMergeObjectsAppendArrays':
    case 'AppendArray':
      return { keepMapValues: false, appendSlice: true };
    default:
      throw new PatchError(`invalid patch policy ${String(to)}`);
  }
}

/** Reads a patch's value from its source(s), combining and transforming it. */
function evaluateSource(
  patch: Record<string, unknown>,
  read: (path: string) => Source,
  combine: boolean,
): Source {
  if (!combine) {
    if (typeof patch.fromFieldPath !== 'string' || patch.fromFieldPath === '') {
      throw new PatchError(`fromFieldPath must be set for patch type ${String(patch.type)}`);
    }
    const source = read(patch.fromFieldPath);
    if (source.state !== 'value') return source;
    return { state: 'value', value: resolveTransforms(transformsOf(patch), source.value) };
  }
  const c = isRecord(patch.combine) ? patch.combine : undefined;
  if (!c) throw new PatchError(`combine must be set for patch type ${String(patch.type)}`);
  if (c.strategy !== 'string')
    throw new PatchError(`combine strategy ${String(c.strategy)} is not supported`);
  const fmt = isRecord(c.string) && typeof c.string.fmt === 'string' ? c.string.fmt : undefined;
  if (fmt === undefined) throw new PatchError('given combine strategy string requires configuration');
  const variables = Array.isArray(c.variables) ? c.variables : [];
  if (variables.length === 0) throw new PatchError('at least one variable must be provided');
  const values: unknown[] = [];
  for (const v of variables) {
    if (!isRecord(v) || typeof v.fromFieldPath !== 'string')
      throw new PatchError('fromFieldPath must be set for each combine variable');
    const source = read(v.fromFieldPath);
    // Any missing variable skips the whole patch: a format expecting three values must not get two.
    if (source.state !== 'value') return source;
    values.push(source.value);
  }
  return { state: 'value', value: resolveTransforms(transformsOf(patch), goSprintf(fmt, values)) };
}

function transformsOf(patch: Record<string, unknown>): unknown[] {
  return Array.isArray(patch.transforms) ? patch.transforms : [];
}

function toPath(patch: Record<string, unknown>): string {
  // An omitted toFieldPath defaults to the fromFieldPath.
  const to =
    typeof patch.toFieldPath === 'string' && patch.toFieldPath !== ''
      ? patch.toFieldPath
      : patch.fromFieldPath;
  if (typeof to !== 'string' || to === '') throw new PatchError('toFieldPath must be set');
  return to;
}

function applyComposedPatch(ctx: Context, w: Working, raw: unknown, index: number): void {
  if (!isRecord(raw)) {
    ctx.result.errors.push({ resource: w.name, patch: index, message: 'patch must be an object' });
    return;
  }
  const type = typeof raw.type === 'string' ? raw.type : 'FromCompositeFieldPath';
  let target: string | undefined;
  try {
    switch (type) {
      case 'FromCompositeFieldPath':
      case 'CombineFromComposite':
      case 'FromEnvironmentFieldPath':
      case 'CombineFromEnvironment': {
        target = toPath(raw);
        const fromEnvironment = type.endsWith('Environment') || type === 'FromEnvironmentFieldPath';
        const source = evaluateSource(
          raw,
          (p) => (fromEnvironment ? readEnvironment(ctx, p) : readComposite(ctx, p)),
          type.startsWith('Combine'),
        );
        if (source.state === 'unknown') {
          markUnknown(w, target);
          if (source.reason.endsWith('needs EnvironmentConfig') && !ctx.warnedEnvironment) {
            ctx.warnedEnvironment = true;
            ctx.result.warnings.push(
              `resource ${w.name}: patches read the Composition environment, which needs EnvironmentConfig data that was not supplied`,
            );
          }
        } else if (source.state === 'missing') {
          if (fromPolicy(raw) === 'Required') {
            markUnknown(w, target);
            ctx.result.warnings.push(
              `resource ${w.name}: required patch source ${describeSource(raw)} is missing; Crossplane will not compose this resource until it exists`,
            );
          }
        } else {
          writeValue(w, target, source.value, mergeOptionsOf(raw));
        }
        return;
      }
      case 'ToCompositeFieldPath':
      case 'CombineToComposite':
        ctx.result.warnings.push(
          `resource ${w.name}: ${type} patch to XR ${String(raw.toFieldPath ?? raw.fromFieldPath)} runs after the resource exists (not predicted)`,
        );
        return;
      case 'ToEnvironmentFieldPath':
      case 'CombineToEnvironment': {
        // Reads the observed composed resource: later environment reads see a value known after apply.
        const to = toPath(raw);
        setFieldValue(ctx.env.data, to, KNOWN_AFTER_APPLY);
        ctx.result.warnings.push(
          `resource ${w.name}: ${type} patch to environment ${to} runs after the resource exists`,
        );
        return;
      }
      default:
        if (typeof raw.toFieldPath === 'string' && raw.toFieldPath !== '') target = raw.toFieldPath;
        throw new PatchError(`unknown patch type ${type}`);
    }
  } catch (error) {
    if (
      error instanceof PatchError ||
      error instanceof TransformError ||
      error instanceof GoFormatError ||
      error instanceof FieldPathError
    ) {
      ctx.result.errors.push({ resource: w.name, patch: index, message: `${type} patch: ${error.message}` });
      if (target !== undefined) {
        try {
          markUnknown(w, target);
        } catch (inner) {
          // A target that cannot be marked (an unexpandable wildcard) leaves nothing to mark.
          if (!(inner instanceof FieldPathError || inner instanceof PatchError)) throw inner;
        }
      }
      return;
    }
    throw error;
  }
}

function describeSource(patch: Record<string, unknown>): string {
  if (typeof patch.fromFieldPath === 'string') return patch.fromFieldPath;
  const c = isRecord(patch.combine) && Array.isArray(patch.combine.variables) ? patch.combine.variables : [];
  return c.map((v) => (isRecord(v) ? String(v.fromFieldPath) : '?')).join(', ');
}

function targets(object: Record<string, unknown>, path: string): string[] {
  if (!parseFieldPath(path).some((s) => s.type === 'field' && s.field === '*'))
    return [formatFieldPath(parseFieldPath(path))];
  const expanded = expandWildcards(object, path).map(formatFieldPath);
  if (expanded.length === 0) throw new PatchError(`cannot expand ToFieldPath ${path}`);
  return expanded;
}

function clearUnknownUnder(w: Working, path: string): void {
  for (const u of [...w.unknown]) {
    if (u === path || u.startsWith(`${path}.`) || u.startsWith(`${path}[`)) w.unknown.delete(u);
  }
}

function markUnknown(w: Working, path: string): void {
  for (const t of targets(w.object, path)) {
    clearUnknownUnder(w, t);
    setFieldValue(w.object, t, KNOWN_AFTER_APPLY);
    w.unknown.add(t);
  }
}

function writeValue(w: Working, path: string, value: unknown, options: MergeOptions | undefined): void {
  for (const t of targets(w.object, path)) {
    const current = getFieldValue(w.object, t);
    const merged = mergeValue(current.found ? current.value : undefined, value, options);
    if (!options) clearUnknownUnder(w, t);
    setFieldValue(w.object, t, merged);
  }
}

function applyEnvironmentPatch(ctx: Context, step: string, raw: unknown, index: number): void {
  if (!isRecord(raw)) return;
  const type = typeof raw.type === 'string' ? raw.type : 'FromCompositeFieldPath';
  try {
    if (
      type === 'FromCompositeFieldPath' ||
      type === 'CombineFromComposite' ||
      type === 'ToEnvironmentFieldPath'
    ) {
      const to = toPath(raw);
      const source = evaluateSource(raw, (p) => readComposite(ctx, p), type === 'CombineFromComposite');
      if (source.state === 'unknown') setFieldValue(ctx.env.data, to, KNOWN_AFTER_APPLY);
      else if (source.state === 'value') {
        const current = getFieldValue(ctx.env.data, to);
        setFieldValue(
          ctx.env.data,
          to,
          mergeValue(current.found ? current.value : undefined, source.value, mergeOptionsOf(raw)),
        );
      }
      return;
    }
    ctx.result.warnings.push(
      `step ${step}: environment ${type} patch updates the XR, not composed resources (not predicted)`,
    );
  } catch (error) {
    if (
      error instanceof PatchError ||
      error instanceof TransformError ||
      error instanceof GoFormatError ||
      error instanceof FieldPathError
    ) {
      ctx.result.errors.push({
        resource: step,
        patch: index,
        message: `environment ${type} patch: ${error.message}`,
      });
      return;
    }
    throw error;
  }
}
