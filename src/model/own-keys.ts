/**
 * Sets an own key, whatever its name. Keys come from pull requests: a plain assignment of `__proto__` would replace
 * the object's prototype (or, on a shared object, pollute every object of the worker) instead of adding a key.
 */
export function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A map's value for a key it owns, or undefined: never a property inherited from Object.prototype. */
export function ownValue(map: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
