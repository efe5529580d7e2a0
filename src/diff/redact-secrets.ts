import { Buffer } from 'node:buffer';
import { isRecord, type KubeObject, splitApiVersion } from '../kube/kube-object.ts';
import { LAST_APPLIED_ANNOTATION, sortKeysDeep } from './normalize-object.ts';

const FIRST_MARKER = '++++++++';
const NEXT_MARKER = '++++';

function isSecret(obj: KubeObject | undefined): obj is KubeObject {
  return (
    obj !== undefined && obj.kind === 'Secret' && splitApiVersion(String(obj.apiVersion ?? '')).group === ''
  );
}

/** Distinguishes values by content, whatever their YAML type, so equal values share a marker. */
function identity(value: unknown): string {
  return typeof value === 'string' ? `s:${value}` : `j:${JSON.stringify(sortKeysDeep(value))}`;
}

/**
 * Replaces every present value by a marker: the first distinct value `++++++++`, each further
 * distinct value four `+` more, equal values the same marker.
 */
function assignMarkers(values: readonly unknown[], present: readonly boolean[]): string[] {
  const byValue = new Map<string, string>();
  let next = FIRST_MARKER;
  return values.map((value, i) => {
    if (!present[i]) return '';
    const id = identity(value);
    let marker = byValue.get(id);
    if (marker === undefined) {
      marker = next;
      byValue.set(id, marker);
      next += NEXT_MARKER;
    }
    return marker;
  });
}

/** The Secret with `stringData` folded into `data` (base64-encoded; `stringData` wins, as in the API server). */
function foldStringData(secret: KubeObject): KubeObject {
  const copy = structuredClone(secret);
  const stringData = copy.stringData;
  delete copy.stringData;
  if (isRecord(stringData)) {
    const data: Record<string, unknown> = isRecord(copy.data) ? copy.data : {};
    for (const [key, value] of Object.entries(stringData)) {
      const text = typeof value === 'string' ? value : value === null ? '' : String(value);
      data[key] = Buffer.from(text, 'utf8').toString('base64');
    }
    copy.data = data;
  }
  return copy;
}

/** Redacts, across the sides, every key of the containers, or only `onlyKey`. */
function redactEntries(containers: (Record<string, unknown> | undefined)[], onlyKey?: string): void {
  const keys = new Set<string>();
  if (onlyKey !== undefined) keys.add(onlyKey);
  else for (const c of containers) for (const key of Object.keys(c ?? {})) keys.add(key);
  for (const key of keys) {
    const present = containers.map((c) => c !== undefined && Object.hasOwn(c, key));
    const markers = assignMarkers(
      containers.map((c) => c?.[key]),
      present,
    );
    containers.forEach((c, i) => {
      if (c && present[i]) c[key] = markers[i];
    });
  }
}

/**
 * Argo CD's `HideSecretData` for a base/head pair: for core `Secret`s, `stringData` is folded into
 * `data`, then every `data` value (and a `kubectl.kubernetes.io/last-applied-configuration`
 * annotation, which repeats them) becomes a marker. Markers are assigned base first, then head, per
 * key: a changed value shows as `++++++++` → `++++++++++++`, an unchanged one as the same marker on
 * both sides, and no value ever reaches the diff. Other objects are returned untouched.
 */
export function redactSecrets(
  base: KubeObject | undefined,
  head: KubeObject | undefined,
): { base?: KubeObject; head?: KubeObject } {
  const sides = [base, head].map((obj) => (isSecret(obj) ? foldStringData(obj) : obj));
  const secrets = sides.map((obj) => (isSecret(obj) ? obj : undefined));
  if (secrets.some((s) => s !== undefined)) {
    redactEntries(secrets.map((s) => (s && isRecord(s.data) ? s.data : undefined)));
    // A `data` that is not a map (a broken template) is redacted as one value, so it cannot leak either.
    redactEntries(
      secrets.map((s) => (s && s.data !== undefined && s.data !== null && !isRecord(s.data) ? s : undefined)),
      'data',
    );
    redactEntries(
      secrets.map((s) => {
        const annotations = s && isRecord(s.metadata) ? s.metadata.annotations : undefined;
        return isRecord(annotations) ? annotations : undefined;
      }),
      LAST_APPLIED_ANNOTATION,
    );
  }
  const out: { base?: KubeObject; head?: KubeObject } = {};
  if (sides[0] !== undefined) out.base = sides[0];
  if (sides[1] !== undefined) out.head = sides[1];
  return out;
}
