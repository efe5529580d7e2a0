import { GoTemplateError } from './go-template-error.ts';

/**
 * A value the template reads that exists only after Crossplane and the providers have acted (an observed composed
 * resource on the first render). As on the first render it is absent to conditions (false) and `range` (empty);
 * reading a field of it gives another unknown; printing it gives `printed` (the caller's known-after-apply marker);
 * anything that needs its actual value (a comparison, a string function) throws UnknownValueError, so the prediction
 * names what it could not decide instead of guessing.
 */
export class UnknownValue {
  /** What it stands for, e.g. `observed resource vpc`. */
  readonly what: string;
  readonly printed: string;

  constructor(what: string, printed: string) {
    this.what = what;
    this.printed = printed;
  }

  field(name: string): UnknownValue {
    return new UnknownValue(`${this.what}.${name}`, this.printed);
  }
}

export class UnknownValueError extends GoTemplateError {
  override readonly name = 'UnknownValueError';
}

export function isUnknown(value: unknown): value is UnknownValue {
  return value instanceof UnknownValue;
}

/** Throws when a decision depends on a value known only after apply. */
export function requireKnown(value: unknown, use: string): void {
  if (value instanceof UnknownValue) {
    throw new UnknownValueError(`${use} depends on ${value.what}, known only after apply`);
  }
}
