import { Buffer } from 'node:buffer';
import { isRecord, type KubeObject, splitApiVersion } from '../model/kube-object.ts';
import { LAST_APPLIED_ANNOTATION, sortKeysDeep } from './normalize-object.ts';

const FIRST_MARKER = '++++++++';
const NEXT_MARKER = '++++';

function isSecret(obj: unknown): obj is KubeObject {
  return isRecord(obj) && obj.kind === 'Secret' && splitApiVersion(String(obj.apiVersion ?? '')).group === '';
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

/** Argo CD's `HideSecretData` on one pair of Secrets (either may be absent). */
function redactSecretPair(base: KubeObject | undefined, head: KubeObject | undefined): [unknown, unknown] {
  const secrets = [base, head].map((obj) => (obj ? foldStringData(obj) : undefined));
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
  return [secrets[0], secrets[1]];
}

/** Most objects hold no Secret: this keeps them (and their identity) as they are. */
function mayHoldSecret(value: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((v) => mayHoldSecret(v, depth + 1));
  if (!isRecord(value)) return false;
  if (value.kind === 'Secret') return true;
  return Object.values(value).some((v) => mayHoldSecret(v, depth + 1));
}

/** Deeper than this an object is cut off rather than walked: rendered YAML is already depth-bounded. */
const MAX_DEPTH = 256;
const REDACTED_TOO_DEEP = '++++++++ (nested too deep to show)';

/**
 * Walks a base/head pair in step and redacts every core Secret wherever it sits: at the top, in a `List`'s
 * items (nested Lists too), or embedded in another object (a provider-kubernetes `Object`'s manifest, a
 * template). Values at the same place on both sides share markers, so a change still shows.
 */
function redactPair(base: unknown, head: unknown, depth: number): [unknown, unknown] {
  if (depth > MAX_DEPTH)
    return [base === undefined ? base : REDACTED_TOO_DEEP, head === undefined ? head : REDACTED_TOO_DEEP];
  const baseSecret = isSecret(base);
  const headSecret = isSecret(head);
  if (baseSecret || headSecret) {
    const [b, h] = redactSecretPair(baseSecret ? base : undefined, headSecret ? head : undefined);
    // A Secret on one side only: the other side is walked on its own.
    return [
      baseSecret ? b : redactPair(base, undefined, depth)[0],
      headSecret ? h : redactPair(undefined, head, depth)[1],
    ];
  }
  if (!mayHoldSecret(base) && !mayHoldSecret(head)) return [base, head];
  if (Array.isArray(base) || Array.isArray(head)) {
    const b = Array.isArray(base) ? base : [];
    const h = Array.isArray(head) ? head : [];
    const pairs = Array.from({ length: Math.max(b.length, h.length) }, (_, i) =>
      redactPair(b[i], h[i], depth + 1),
    );
    return [
      Array.isArray(base) ? pairs.slice(0, b.length).map((p) => p[0]) : redactPair(base, undefined, depth)[0],
      Array.isArray(head) ? pairs.slice(0, h.length).map((p) => p[1]) : redactPair(undefined, head, depth)[1],
    ];
  }
  const b = isRecord(base) ? base : undefined;
  const h = isRecord(head) ? head : undefined;
  const outBase: Record<string, unknown> | undefined = b ? {} : undefined;
  const outHead: Record<string, unknown> | undefined = h ? {} : undefined;
  for (const key of new Set([...Object.keys(b ?? {}), ...Object.keys(h ?? {})])) {
    const [nb, nh] = redactPair(b?.[key], h?.[key], depth + 1);
    if (outBase && Object.hasOwn(b!, key)) outBase[key] = nb;
    if (outHead && Object.hasOwn(h!, key)) outHead[key] = nh;
  }
  return [outBase ?? base, outHead ?? head];
}

/**
 * Argo CD's `HideSecretData` for a base/head pair: for core `Secret`s, `stringData` is folded into
 * `data`, then every `data` value (and a `kubectl.kubernetes.io/last-applied-configuration`
 * annotation, which repeats them) becomes a marker. Markers are assigned base first, then head, per
 * key: a changed value shows as `++++++++` → `++++++++++++`, an unchanged one as the same marker on
 * both sides, and no value ever reaches the diff. Secrets nested anywhere inside the objects (Lists of
 * Lists, embedded manifests) are redacted the same way; objects without one are returned untouched.
 */
export function redactSecrets<T>(base: T | undefined, head: T | undefined): { base?: T; head?: T } {
  const [b, h] = redactPair(base, head, 0) as [T | undefined, T | undefined];
  const out: { base?: T; head?: T } = {};
  if (b !== undefined) out.base = b;
  if (h !== undefined) out.head = h;
  return out;
}
