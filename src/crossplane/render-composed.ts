import { isKubeObject, isRecord } from '../model/kube-object.ts';
import {
  applyComposedPatch,
  applyEnvironmentPatch,
  type Context,
  type Working,
} from './apply-composed-patch.ts';
import { type ComposedResult, PT_INPUT_API_VERSION } from './composed-types.ts';
import { type Composition, CrossplaneModelError, parseComposition } from './crossplane-model.ts';
import { evaluateFunctionStep } from './evaluate-function-step.ts';
import { finishMetadata } from './finish-metadata.ts';

export type { ComposedResource, ComposedResult, RenderError, UnsupportedStep } from './composed-types.ts';
export {
  COMPOSITION_RESOURCE_NAME_ANNOTATION,
  PT_INPUT_API_VERSION,
} from './composed-types.ts';

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

/**
 * Predicts the composed resources of a Composition for one XR, evaluating
 * function-patch-and-transform (`pt.fn.crossplane.io/v1beta1` `Resources` inputs) and legacy
 * `mode: Resources`. Other functions are reported as unsupported, never guessed.
 */
export function renderComposed(o: {
  composite: Record<string, unknown>;
  composition: Composition | Record<string, unknown>;
  environment?: Record<string, unknown>;
  /** function-go-templating `FileSystem` templates by `dirPath`. */
  templateDirs?: ReadonlyMap<string, string>;
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
    templateDirs: o.templateDirs ?? new Map(),
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
      } else if (input && evaluateFunctionStep(ctx, step)) {
        // function-go-templating, function-cel-filter, function-sequencer.
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
  { group: 'python.fn.crossplane.io', what: 'a Python script, which Mergeplane does not run' },
  { group: 'cue.fn.crossplane.io', what: 'a CUE program, which Mergeplane does not evaluate' },
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
