import { normalizeBuiltin } from './builtin-semantics.ts';
import { FakeKubeApiError, invalid } from './fake-kube-api-error.ts';
import { cloneJson, deepEqual, isRecord, type KubeRecord, metadataOf } from './json-values.ts';
import { readManagedFields } from './managed-fields.ts';
import type { ResolvedResourceType } from './resource-types.ts';

/* The rules every write shares: subresource isolation, generation, no-op detection, naming. */

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Applies what one write may change: `/status` takes only status; the main resource keeps status when there is a subresource. */
export function mergeWrite(
  type: ResolvedResourceType,
  previous: KubeRecord,
  incoming: KubeRecord,
  subresource: string | undefined,
): KubeRecord {
  let next: KubeRecord;
  if (subresource === 'status') {
    next = cloneJson(previous);
    if (incoming.status === undefined) delete next.status;
    else next.status = cloneJson(incoming.status);
  } else {
    next = cloneJson(incoming);
    if (type.hasStatus) {
      if (previous.status === undefined) delete next.status;
      else next.status = cloneJson(previous.status);
    }
  }
  next.apiVersion = type.apiVersion;
  next.kind = type.kind;
  const metadata = metadataOf(next);
  const previousMeta = metadataOf(previous);
  for (const field of [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
    'resourceVersion',
    'managedFields',
  ]) {
    if (previousMeta[field] === undefined) delete metadata[field];
    else metadata[field] = cloneJson(previousMeta[field]);
  }
  normalizeBuiltin(type, next, false);
  return next;
}

export function specChanged(type: ResolvedResourceType, previous: KubeRecord, next: KubeRecord): boolean {
  const strip = (object: KubeRecord): KubeRecord => {
    const { metadata: _metadata, status, ...rest } = object;
    return type.hasStatus ? rest : { ...rest, status };
  };
  return !deepEqual(strip(previous), strip(next));
}

/** Equal apart from resourceVersion and managedFields timestamps. */
export function sameContent(previous: KubeRecord, next: KubeRecord): boolean {
  const normalize = (object: KubeRecord): KubeRecord => {
    const copy = cloneJson(object);
    const metadata = metadataOf(copy);
    delete metadata.resourceVersion;
    metadata.managedFields = readManagedFields(metadata).map(({ time: _time, ...rest }) => rest);
    return copy;
  };
  return deepEqual(normalize(previous), normalize(next));
}

/** Types compare by group/version/kind: `addType` may replace the resolved object of a served type. */
export function sameType(a: ResolvedResourceType, b: ResolvedResourceType): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind;
}

export function keyOf(type: ResolvedResourceType, namespace: string | undefined, name: string): string {
  return `${type.apiVersion}/${type.kind}/${namespace ?? ''}/${name}`;
}

export function scopedNamespace(
  type: ResolvedResourceType,
  namespace: string | undefined,
): string | undefined {
  if (!type.namespaced) return undefined;
  return namespace ?? 'default';
}

export function requireName(type: ResolvedResourceType, metadata: KubeRecord): string {
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw invalid(type.kind, '', 'metadata.name', 'Required value: name is required');
  }
  return metadata.name;
}

export function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function asRecord(value: unknown): KubeRecord {
  if (!isRecord(value)) throw new FakeKubeApiError('BadRequest', 'the request body must be a JSON object');
  return value;
}

/** RFC 3339 to the second, as the real server writes timestamps. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)];
  return suffix;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
