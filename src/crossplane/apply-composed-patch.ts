import { isRecord } from '../model/kube-object.ts';
import type { ComposedResult } from './composed-types.ts';
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

export type Source =
  | { state: 'value'; value: unknown }
  | { state: 'missing' }
  | { state: 'unknown'; reason: string };

export interface Environment {
  data: Record<string, unknown>;
  /** False when no EnvironmentConfig data was supplied: absent keys are then unknown, not missing. */
  complete: boolean;
}

export interface Working {
  name: string;
  object: Record<string, unknown>;
  unknown: Set<string>;
}

export interface Context {
  composite: Record<string, unknown>;
  env: Environment;
  result: ComposedResult;
  desired: Map<string, Working>;
  warnedEnvironment: boolean;
  /** function-go-templating `FileSystem` templates by `dirPath`. */
  templateDirs: ReadonlyMap<string, string>;
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

export function applyComposedPatch(ctx: Context, w: Working, raw: unknown, index: number): void {
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

export function applyEnvironmentPatch(ctx: Context, step: string, raw: unknown, index: number): void {
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
