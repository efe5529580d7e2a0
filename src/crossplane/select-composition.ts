import {
  type CompositeInstance,
  type Composition,
  referenceableVersion,
  type Xrd,
} from './crossplane-model.ts';

export interface CompositionSelection {
  /** The Composition Crossplane would use; undefined when none can be determined. */
  composition: Composition | undefined;
  /** How it was chosen. */
  reason: 'enforced' | 'ref' | 'selector' | 'default' | 'any-compatible' | 'none';
  /** Every compatible candidate when chosen by labels (Crossplane picks one at random). */
  candidates: string[];
  /** True when several Compositions matched and the choice shown is only the first by name. */
  ambiguous: boolean;
  compositionRevisionRef: string | undefined;
  /** `Automatic` unless the claim/XR or the XRD says otherwise. */
  compositionUpdatePolicy: string;
  /** Why selection failed or is doubtful. */
  problems: string[];
}

/** Whether `labels` hold every label of a `matchLabels` selector (a composition or revision selector). */
export function matchesLabels(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Selects a Composition the way Crossplane's composite reconciler does: the XRD's
 * enforcedCompositionRef overrides everything; then the claim/XR's compositionRef; then (with no
 * selector) the XRD's defaultCompositionRef; then a random compatible Composition matching the
 * selector's labels (all compatible ones when there is no selector). Random choices are made
 * deterministic here (first by name) and flagged as ambiguous.
 */
export function selectComposition(
  instance: CompositeInstance,
  xrd: Xrd,
  compositions: readonly Composition[],
): CompositionSelection {
  const xrApiVersion = `${xrd.group}/${referenceableVersion(xrd).name}`;
  const compatible = (c: Composition) =>
    c.compositeTypeRef.apiVersion === xrApiVersion && c.compositeTypeRef.kind === xrd.names.kind;
  const base = {
    compositionRevisionRef: instance.compositionRevisionRef?.name,
    compositionUpdatePolicy:
      instance.compositionUpdatePolicy ?? xrd.defaultCompositionUpdatePolicy ?? 'Automatic',
  };
  const byName = (name: string, reason: CompositionSelection['reason']): CompositionSelection => {
    const composition = compositions.find((c) => c.name === name);
    const problems: string[] = [];
    if (!composition) problems.push(`Composition ${name} not found`);
    else if (!compatible(composition)) {
      problems.push(
        `Composition ${name} composes ${composition.compositeTypeRef.apiVersion} ${composition.compositeTypeRef.kind}, not ${xrApiVersion} ${xrd.names.kind}`,
      );
    }
    return {
      ...base,
      composition,
      reason,
      candidates: composition ? [name] : [],
      ambiguous: false,
      problems,
    };
  };
  if (xrd.enforcedCompositionRef) return byName(xrd.enforcedCompositionRef.name, 'enforced');
  if (instance.compositionRef) return byName(instance.compositionRef.name, 'ref');
  if (!instance.compositionSelector && xrd.defaultCompositionRef)
    return byName(xrd.defaultCompositionRef.name, 'default');
  const labels = instance.compositionSelector?.matchLabels ?? {};
  const candidates = compositions
    .filter((c) => compatible(c) && matchesLabels(c.labels, labels))
    .map((c) => c.name)
    .sort();
  const reason = instance.compositionSelector ? 'selector' : 'any-compatible';
  if (candidates.length === 0) {
    return {
      ...base,
      composition: undefined,
      reason: 'none',
      candidates,
      ambiguous: false,
      problems: [
        `no compatible Composition for ${xrApiVersion} ${xrd.names.kind}${instance.compositionSelector ? ' matches the compositionSelector' : ''}`,
      ],
    };
  }
  const ambiguous = candidates.length > 1;
  return {
    ...base,
    composition: compositions.find((c) => c.name === candidates[0]),
    reason,
    candidates,
    ambiguous,
    problems: ambiguous
      ? [
          `${candidates.length} Compositions match (${candidates.join(', ')}); Crossplane picks one at random, showing ${candidates[0]}`,
        ]
      : [],
  };
}
