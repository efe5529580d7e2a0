import { isRecord } from '../../model/kube-object.ts';
import { GoTemplateError } from './go-template-error.ts';
import { UnknownValue } from './unknown-value.ts';

/**
 * What a template run may still spend. Every action, loop iteration and function result is charged, so a template
 * from a pull request cannot spin or allocate past its bounds between two actions (rendering is synchronous: no
 * timer could stop it).
 */
export interface Budget {
  charge(units: number): void;
}

export const UNBOUNDED: Budget = { charge() {} };

/** Largest value a function may walk or build: shared references count each time they are reached. */
export const MAX_NODES = 1_000_000;
/** Longest string a function may build. */
export const MAX_STRING = 16 * 1024 * 1024;

/**
 * Charges the size of a value a function is about to walk in full (serialize, compare, copy): nodes counted with
 * repetition, so a list that holds itself twice over and over (`$a = list $a $a`) is refused before it is walked.
 */
export function chargeDeep(value: unknown, budget: Budget, what: string): void {
  const stack: unknown[] = [value];
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    nodes++;
    if (nodes > MAX_NODES) throw new GoTemplateError(`${what}: value larger than ${MAX_NODES} nodes`);
    if (Array.isArray(item)) stack.push(...item);
    else if (isRecord(item) && !(item instanceof UnknownValue)) stack.push(...Object.values(item));
  }
  budget.charge(nodes);
}

/** Refuses a string a function would build past MAX_STRING, before it is built. */
export function checkLength(what: string, length: number): void {
  if (length > MAX_STRING) throw new GoTemplateError(`${what}: result longer than ${MAX_STRING} characters`);
}
