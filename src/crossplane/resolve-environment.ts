import { isRecord } from '../model/kube-object.ts';
import type { Composition } from './crossplane-model.ts';
import { getFieldValue } from './field-path.ts';

const ENVIRONMENT_CONFIG_KINDS = new Set(['EnvironmentConfig']);

export interface ResolvedEnvironment {
  /** Merged `data` of the selected EnvironmentConfigs; undefined when the selection cannot be resolved offline. */
  environment: Record<string, unknown> | undefined;
  notes: string[];
}

export function isEnvironmentConfig(object: Record<string, unknown>): boolean {
  return (
    typeof object.apiVersion === 'string' &&
    object.apiVersion.startsWith('apiextensions.crossplane.io/') &&
    typeof object.kind === 'string' &&
    ENVIRONMENT_CONFIG_KINDS.has(object.kind)
  );
}

function nameOf(object: Record<string, unknown>): string {
  return isRecord(object.metadata) && typeof object.metadata.name === 'string' ? object.metadata.name : '';
}

function labelsOf(object: Record<string, unknown>): Record<string, unknown> {
  return isRecord(object.metadata) && isRecord(object.metadata.labels) ? object.metadata.labels : {};
}

/** Maps merge key by key (later wins), as Crossplane merges EnvironmentConfig data; anything else is replaced. */
function mergeData(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const existing = out[key];
    out[key] = isRecord(existing) && isRecord(value) ? mergeData(existing, value) : structuredClone(value);
  }
  return out;
}

/** The `environmentConfigs` selection of a Composition: legacy `spec.environment` or a function-environment-configs step. */
function selectionsOf(composition: Composition): unknown[] | undefined {
  const legacy = composition.environment?.environmentConfigs;
  if (Array.isArray(legacy)) return legacy;
  for (const step of composition.pipeline) {
    if (!/(^|-)environment-configs($|-)/.test(step.functionName)) continue;
    const spec = isRecord(step.input?.spec) ? step.input.spec : undefined;
    if (Array.isArray(spec?.environmentConfigs)) return spec.environmentConfigs;
  }
  return undefined;
}

/**
 * Resolves the Composition environment from EnvironmentConfigs committed in the repository, the way
 * Crossplane selects them: by `Reference` name, or by `Selector` labels (values literal or read from the
 * composite), `Single` or `Multiple` (sorted by name). Anything it cannot resolve offline leaves the
 * environment unknown — never guessed — with a note saying why.
 */
export function resolveEnvironment(
  composition: Composition,
  composite: Record<string, unknown>,
  configs: readonly Record<string, unknown>[],
): ResolvedEnvironment {
  const selections = selectionsOf(composition);
  if (!selections) return { environment: undefined, notes: [] };
  const notes: string[] = [];
  let data: Record<string, unknown> = {};
  for (const [index, raw] of selections.entries()) {
    if (!isRecord(raw)) continue;
    const type = raw.type ?? 'Reference';
    if (type === 'Reference') {
      const name = isRecord(raw.ref) && typeof raw.ref.name === 'string' ? raw.ref.name : '';
      const config = configs.find((c) => nameOf(c) === name);
      if (!config) {
        return {
          environment: undefined,
          notes: [`EnvironmentConfig ${name || `#${index}`} is not in the repository`],
        };
      }
      if (isRecord(config.data)) data = mergeData(data, config.data);
      continue;
    }
    if (type !== 'Selector' || !isRecord(raw.selector)) {
      return {
        environment: undefined,
        notes: [`EnvironmentConfig selection #${index} of type ${String(type)} is not supported`],
      };
    }
    const wanted: [string, string][] = [];
    for (const label of Array.isArray(raw.selector.matchLabels) ? raw.selector.matchLabels : []) {
      if (!isRecord(label) || typeof label.key !== 'string') continue;
      if ((label.type ?? 'FromCompositeFieldPath') === 'Value') {
        wanted.push([label.key, String(label.value ?? '')]);
        continue;
      }
      const path = typeof label.valueFromFieldPath === 'string' ? label.valueFromFieldPath : '';
      const lookup = path ? getFieldValue(composite, path) : { found: false as const };
      if (!lookup.found) {
        return {
          environment: undefined,
          notes: [
            `EnvironmentConfig selector label ${label.key} reads ${path || '(no path)'}, which is not set yet`,
          ],
        };
      }
      wanted.push([label.key, String(lookup.value)]);
    }
    const matches = configs
      .filter((c) => wanted.every(([k, v]) => labelsOf(c)[k] === v))
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
    const mode = raw.selector.mode ?? 'Single';
    if (mode === 'Single' && matches.length !== 1) {
      notes.push(
        `EnvironmentConfig selector #${index} (Single) matches ${matches.length} configs in the repository`,
      );
      if (matches.length === 0) return { environment: undefined, notes };
    }
    for (const config of mode === 'Single' ? matches.slice(0, 1) : matches) {
      if (isRecord(config.data)) data = mergeData(data, config.data);
    }
  }
  return { environment: data, notes };
}
