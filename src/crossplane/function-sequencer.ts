import { isRecord } from '../model/kube-object.ts';
import { compileSafeRegExp } from './safe-regexp.ts';

export const SEQUENCER_GROUP = 'sequencer.fn.crossplane.io';

/** A composed resource the sequencer holds back on the first reconcile, and what it waits for. */
export interface Delayed {
  name: string;
  after: string[];
}

const anchored = (name: string) => (name.startsWith('^') && name.endsWith('$') ? name : `^${name}$`);

/**
 * function-sequencer (`sequencer.fn.crossplane.io/v1beta1` `Input` with `rules[].sequence`): a resource is left out of
 * the desired state until every earlier resource of its sequence is ready. Nothing is ready on the first reconcile,
 * so everything after the first element of a sequence waits; it is still created later, so the plan keeps it and says
 * what it waits for. Names are RE2 patterns, anchored unless they already are.
 */
export function sequencerDelays(o: {
  input: Record<string, unknown>;
  desired: ReadonlyMap<string, unknown>;
}): Delayed[] {
  const rules = Array.isArray(o.input.rules) ? o.input.rules.filter(isRecord) : [];
  const delayed = new Map<string, Set<string>>();
  for (const rule of rules) {
    const sequence = (Array.isArray(rule.sequence) ? rule.sequence : []).map(String);
    sequence.forEach((element, i) => {
      if (i === 0) return;
      const pattern = compileSafeRegExp(anchored(element));
      for (const name of o.desired.keys()) {
        if (!pattern.test(name)) continue;
        const waits = delayed.get(name) ?? new Set<string>();
        for (const earlier of sequence.slice(0, i)) waits.add(earlier);
        delayed.set(name, waits);
      }
    });
  }
  return [...delayed].map(([name, after]) => ({ name, after: [...after] }));
}
