/** Where a rendered object was read: a repository file, and the line its YAML document starts on when known. */
export interface ObjectSource {
  file: string;
  line?: number;
}

/**
 * Keyed by the object itself, so the location travels with the parsed object through renders and diffs without
 * becoming one of its fields (it would show in diffs and reach the cluster otherwise). An object copied on the
 * way loses it; findings then point at the Application instead.
 */
const sources = new WeakMap<object, ObjectSource>();

export function setObjectSource(object: object, source: ObjectSource): void {
  sources.set(object, source);
}

export function objectSource(object: object): ObjectSource | undefined {
  return sources.get(object);
}
