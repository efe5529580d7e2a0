import { isRecord } from '../model/kube-object.ts';

/** Marker for a value only known once Crossplane (or the provider) has acted, as Terraform shows it. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/** True when the value is, or contains, the known-after-apply marker. */
export function containsKnownAfterApply(value: unknown): boolean {
  if (value === KNOWN_AFTER_APPLY) return true;
  if (Array.isArray(value)) return value.some(containsKnownAfterApply);
  if (isRecord(value)) return Object.values(value).some(containsKnownAfterApply);
  return false;
}
