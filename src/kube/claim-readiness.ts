import { isRecord } from '../model/kube-object.ts';

export interface ClaimReadiness {
  ready: boolean;
  /** One line for people: "ready", or what is awaited. */
  reason: string;
  /** Conditions that are not True, or not yet observed for this generation: `Ready=False (Creating): message`. */
  details: string[];
  synced?: string;
  readyStatus?: string;
}

export interface KubeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** The well-formed entries of `status.conditions`. */
export function conditionsOf(object: unknown): KubeCondition[] {
  const status = isRecord(object) ? object.status : undefined;
  if (!isRecord(status) || !Array.isArray(status.conditions)) return [];
  const out: KubeCondition[] = [];
  for (const entry of status.conditions) {
    if (!isRecord(entry) || typeof entry.type !== 'string' || typeof entry.status !== 'string') continue;
    out.push({
      type: entry.type,
      status: entry.status,
      reason: typeof entry.reason === 'string' && entry.reason !== '' ? entry.reason : undefined,
      message: typeof entry.message === 'string' && entry.message !== '' ? entry.message : undefined,
      observedGeneration: typeof entry.observedGeneration === 'number' ? entry.observedGeneration : undefined,
      lastTransitionTime: typeof entry.lastTransitionTime === 'string' ? entry.lastTransitionTime : undefined,
    });
  }
  return out;
}

/** `Ready=False (Creating): message` — the form details use everywhere. */
export function describeCondition(condition: KubeCondition): string {
  const reason = condition.reason ? ` (${condition.reason})` : '';
  const message = condition.message ? `: ${condition.message}` : '';
  return `${condition.type}=${condition.status}${reason}${message}`;
}

function generationOf(object: unknown): number | undefined {
  const metadata = isRecord(object) ? object.metadata : undefined;
  return isRecord(metadata) && typeof metadata.generation === 'number' ? metadata.generation : undefined;
}

function statusObservedGeneration(object: unknown): number | undefined {
  const status = isRecord(object) ? object.status : undefined;
  return isRecord(status) && typeof status.observedGeneration === 'number'
    ? status.observedGeneration
    : undefined;
}

const REQUIRED = ['Synced', 'Ready'] as const;

/**
 * Whether a claim or XR is ready for its current spec: `Synced=True` and `Ready=True`, both observed at
 * `metadata.generation`. Crossplane records `observedGeneration` on each condition; `status.observedGeneration`
 * is the fallback. A condition without any observed generation is not trusted: it may describe an older spec.
 */
export function evaluateClaimReadiness(object: unknown): ClaimReadiness {
  if (!isRecord(object)) return { ready: false, reason: 'the object does not exist', details: [] };
  const generation = generationOf(object);
  const fallback = statusObservedGeneration(object);
  const conditions = conditionsOf(object);
  const details: string[] = [];
  const waitingFor: string[] = [];
  for (const type of REQUIRED) {
    const condition = conditions.find((c) => c.type === type);
    if (!condition) {
      waitingFor.push(`${type} not reported yet`);
      continue;
    }
    const observed = condition.observedGeneration ?? fallback;
    const current = generation === undefined || observed === generation;
    if (condition.status !== 'True') {
      waitingFor.push(describeCondition(condition));
    } else if (!current) {
      waitingFor.push(
        `${type}=True observed for generation ${observed ?? 'unknown'}, not the current ${generation ?? 'unknown'}`,
      );
    }
  }
  for (const condition of conditions) {
    if (condition.status !== 'True') details.push(describeCondition(condition));
  }
  for (const type of REQUIRED) {
    if (!conditions.some((c) => c.type === type)) details.push(`${type}: not reported yet`);
  }
  const synced = conditions.find((c) => c.type === 'Synced')?.status;
  const readyStatus = conditions.find((c) => c.type === 'Ready')?.status;
  if (waitingFor.length === 0)
    return { ready: true, reason: 'Synced and Ready', details, synced, readyStatus };
  return { ready: false, reason: waitingFor.join('; '), details, synced, readyStatus };
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

function referenceOf(value: unknown): ObjectReference | undefined {
  if (!isRecord(value)) return undefined;
  const { apiVersion, kind, name, namespace } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string' || name === '') {
    return undefined;
  }
  return typeof namespace === 'string' && namespace !== ''
    ? { apiVersion, kind, name, namespace }
    : { apiVersion, kind, name };
}

function referenceList(value: unknown): ObjectReference[] {
  if (!Array.isArray(value)) return [];
  return value.map(referenceOf).filter((ref): ref is ObjectReference => ref !== undefined);
}

/**
 * The composed resources a composite lists: `spec.resourceRefs` (Crossplane v1 XRs), `spec.crossplane.resourceRefs`
 * (v2), and `status.resourceRefs` where a controller reports them there.
 */
export function composedResourceRefs(object: unknown): ObjectReference[] {
  if (!isRecord(object)) return [];
  const spec = isRecord(object.spec) ? object.spec : {};
  const status = isRecord(object.status) ? object.status : {};
  const crossplane = isRecord(spec.crossplane) ? spec.crossplane : {};
  const seen = new Set<string>();
  const out: ObjectReference[] = [];
  for (const ref of [
    ...referenceList(spec.resourceRefs),
    ...referenceList(crossplane.resourceRefs),
    ...referenceList(status.resourceRefs),
  ]) {
    const key = `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ref);
  }
  return out;
}

/** A v1 claim's composite (`spec.resourceRef`), whose composed resources tell why the claim is not ready. */
export function compositeRefOf(object: unknown): ObjectReference | undefined {
  if (!isRecord(object) || !isRecord(object.spec)) return undefined;
  return referenceOf(object.spec.resourceRef);
}

/** A composed resource that is not Ready, in one line (`Bucket/logs: Ready=False (Creating): ...`); undefined when Ready. */
export function composedResourceProblem(ref: ObjectReference, object: unknown): string | undefined {
  const label = `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  if (!isRecord(object)) return `${label}: not found`;
  const conditions = conditionsOf(object);
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  // Built-in kinds (ConfigMap, Deployment...) composed by v2 compositions have no Ready condition;
  // Crossplane counts them as ready unless a readiness check says otherwise.
  if (!ready && conditions.length === 0 && !ref.apiVersion.split('/')[0]!.includes('.')) return undefined;
  const problems = conditions.filter((c) => c.status !== 'True').map(describeCondition);
  if (!ready) problems.unshift('Ready not reported yet');
  return `${label}: ${problems.join('; ')}`;
}
