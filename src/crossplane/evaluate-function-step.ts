import { isRecord } from '../model/kube-object.ts';
import { GoTemplateError } from '../template/go-template/go-template-error.ts';
import type { Context, Working } from './apply-composed-patch.ts';
import type { PipelineStep } from './crossplane-model.ts';
import { type FieldPathSegment, formatFieldPath } from './field-path.ts';
import { finishMetadata } from './finish-metadata.ts';
import { CEL_FILTER_GROUP, CelFilterError, celFilterDrops } from './function-cel-filter.ts';
import {
  GO_TEMPLATING_GROUP,
  GoTemplatingUnsupportedError,
  renderGoTemplatingStep,
} from './function-go-templating.ts';
import { SEQUENCER_GROUP, sequencerDelays } from './function-sequencer.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';
import { UnsafeRegExpError } from './safe-regexp.ts';

const groupOf = (input: Record<string, unknown>): string =>
  typeof input.apiVersion === 'string' ? (input.apiVersion.split('/')[0] ?? '') : '';

/** Field paths (Crossplane syntax) whose value is the known-after-apply marker. */
function unknownPaths(value: unknown, at: FieldPathSegment[] = []): string[] {
  if (value === KNOWN_AFTER_APPLY) return [formatFieldPath(at)];
  if (Array.isArray(value))
    return value.flatMap((v, index) => unknownPaths(v, [...at, { type: 'index', index }]));
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([field, v]) => unknownPaths(v, [...at, { type: 'field', field }]));
  }
  return [];
}

function desiredObjects(ctx: Context): Map<string, Record<string, unknown>> {
  return new Map([...ctx.desired].map(([name, w]) => [name, w.object]));
}

function notPredicted(ctx: Context, step: PipelineStep, reason: string): void {
  ctx.result.unsupported.push({
    step: step.step,
    functionName: step.functionName,
    reason: `composed resources not predicted: function ${step.functionName}: ${reason}`,
  });
}

/**
 * Evaluates a pipeline step of a function Mergeplane predicts natively besides patch-and-transform:
 * function-go-templating (adds or replaces composed resources), function-cel-filter (drops them) and
 * function-sequencer (delays them). Returns false for any other function. A step that cannot be predicted is
 * reported as not predicted with its reason, never guessed.
 */
export function evaluateFunctionStep(ctx: Context, step: PipelineStep): boolean {
  const input = step.input;
  if (!input) return false;
  const group = groupOf(input);
  try {
    if (group === GO_TEMPLATING_GROUP) {
      const output = renderGoTemplatingStep({
        input,
        composite: ctx.composite,
        desired: desiredObjects(ctx),
        environment: ctx.env,
        templateDirs: ctx.templateDirs,
      });
      for (const resource of output.resources) {
        const working: Working = {
          name: resource.name,
          object: resource.object,
          unknown: new Set(unknownPaths(resource.object)),
        };
        finishMetadata(ctx, working, true);
        ctx.desired.set(resource.name, working);
      }
      ctx.result.warnings.push(...output.notes.map((note) => `step ${step.step}: ${note}`));
      return true;
    }
    if (group === CEL_FILTER_GROUP) {
      for (const name of celFilterDrops({ input, composite: ctx.composite, desired: desiredObjects(ctx) })) {
        ctx.desired.delete(name);
      }
      return true;
    }
    if (group === SEQUENCER_GROUP) {
      for (const delayed of sequencerDelays({ input, desired: ctx.desired })) {
        ctx.result.warnings.push(
          // The sequencer never holds back a resource that already exists: the wait applies to its first creation.
          `step ${step.step}: ${delayed.name} is first created only once ${delayed.after.join(', ')} ${delayed.after.length === 1 ? 'is' : 'are'} ready (function-sequencer)`,
        );
      }
      return true;
    }
  } catch (error) {
    if (
      error instanceof GoTemplateError ||
      error instanceof GoTemplatingUnsupportedError ||
      error instanceof CelFilterError ||
      error instanceof UnsafeRegExpError
    ) {
      notPredicted(ctx, step, error.message);
      return true;
    }
    throw error;
  }
  return false;
}
