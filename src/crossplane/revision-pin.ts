import type { CompositeInstance, Composition } from './crossplane-model.ts';
import { matchesLabels } from './select-composition.ts';

/** Why an existing claim/XR stays on the Composition revision it runs today instead of following this change. */
export interface RevisionPin {
  /** Shown in the report and the JSON `deferred.reason`. */
  reason: string;
}

const selectorText = (selector: Record<string, string>): string =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * Crossplane composes an XR from a CompositionRevision, not from the Composition itself. Every edit of a
 * Composition makes a new revision (carrying the Composition's labels); an XR moves to it only when its
 * `compositionUpdatePolicy` is `Automatic` (the default) and, with a `compositionRevisionSelector`, the new
 * revision's labels match. Under `Manual` the XR keeps the revision in its `compositionRevisionRef` until someone
 * changes that ref. Returns the pin when the XR stays where it is; undefined when it follows the change.
 */
export function revisionPin(o: {
  instance: CompositeInstance;
  /** `Automatic` unless the claim/XR or its XRD says otherwise. */
  policy: string;
  /** The Composition at the base revision (what the XR runs today) and at head. */
  current: Composition;
  next: Composition;
}): RevisionPin | undefined {
  const { instance } = o;
  if (o.policy === 'Manual') {
    const revision = instance.compositionRevisionRef?.name;
    return {
      reason: `pinned to revision ${revision ?? `of Composition ${o.current.name} it was created with`} (compositionUpdatePolicy Manual); will not change until updated`,
    };
  }
  const selector = instance.compositionRevisionSelector?.matchLabels;
  if (selector && !matchesLabels(o.next.labels, selector)) {
    // Crossplane never moves an XR to a revision its selector does not match, whichever revision it runs now.
    const now = matchesLabels(o.current.labels, selector)
      ? 'stays on the latest matching revision'
      : `matches no revision this repository shows either: stays on an older matching revision, predicted here as the base branch's`;
    return {
      reason: `compositionRevisionSelector ${selectorText(selector)} does not match the new revision of Composition ${o.next.name}: ${now}; will not change until the selector or the Composition's labels are updated`,
    };
  }
  return undefined;
}

/**
 * A new claim/XR with a `compositionRevisionSelector` gets the latest revision whose labels match: the head
 * Composition when it matches, else the one the cluster runs today when that one matches, else none that this
 * repository shows (undefined, with the reason).
 */
export function revisionForNewInstance(o: {
  instance: CompositeInstance;
  next: Composition;
  current: Composition | undefined;
}): { composition: Composition | undefined; note?: string } {
  const selector = o.instance.compositionRevisionSelector?.matchLabels;
  if (!selector || matchesLabels(o.next.labels, selector)) return { composition: o.next };
  if (o.current && o.current.name === o.next.name && matchesLabels(o.current.labels, selector)) {
    return {
      composition: o.current,
      note: `compositionRevisionSelector ${selectorText(selector)} does not match the new revision of Composition ${o.next.name}: composed from the revision the base branch defines`,
    };
  }
  return {
    composition: undefined,
    note: `composed resources not predicted: no revision of Composition ${o.next.name} in the repository matches compositionRevisionSelector ${selectorText(selector)}`,
  };
}
