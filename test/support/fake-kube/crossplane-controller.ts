import { clusterKubeconfig } from './connection-kubeconfig.ts';
import { ControllerTimers } from './controller-timers.ts';
import { FakeKubeApiError } from './fake-kube-api-error.ts';
import { type FakeKubeStore, type ObjectRef, type StoreEvent, timestamp } from './fake-kube-store.ts';
import { isRecord, type KubeRecord, metadataOf } from './json-values.ts';
import type { ResolvedResourceType } from './resource-types.ts';

/** A claim or composite resource kind the simulated Crossplane reconciles. */
export interface CrossplaneKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  /** Claims and v2 XRs are namespaced; v1 XRs are cluster-scoped. Default true. */
  namespaced?: boolean;
  /** Yields a cluster: the connection secret carries a `kubeconfig`. */
  cluster?: boolean;
  /** `status.resourceRefs` reported for each object (default: one composed object per kind). */
  composed?: Array<{ apiVersion: string; kind: string; name?: string }>;
}

export type ClaimMode = 'ready' | 'slow' | 'never-ready' | 'failing';

export interface ClaimBehaviour {
  /** Default 'ready'. */
  mode?: ClaimMode;
  /** Creating → Ready. Default `readyDelayMs` of the controller (10× that when slow). */
  readyDelayMs?: number;
  /** Message of the failing Synced=False condition. */
  message?: string;
  /** v2 (no writeConnectionSecretToRef): where to publish connection details. */
  connectionSecret?: { namespace?: string; name: string };
  /** Connection details for kinds that are not clusters. */
  connectionDetails?: Record<string, string>;
  /** Finalizer removal delay after deletion. Default the controller's `deletionDelayMs`. */
  deletionDelayMs?: number;
}

export interface CrossplaneControllerOptions {
  kube: { store: FakeKubeStore };
  kinds: CrossplaneKind[];
  /** By object name, or a function of the object. */
  behaviour?:
    | Record<string, ClaimBehaviour>
    | ((object: { kind: string; namespace?: string; name: string }) => ClaimBehaviour | undefined);
  /** Default 20 ms. */
  readyDelayMs?: number;
  /** Default 20 ms. */
  deletionDelayMs?: number;
  /**
   * On a spec change of a Ready object, leave Ready=True with the old observedGeneration until the
   * delay passes (as real Crossplane usually does). Default true; false gives Ready=False Creating.
   */
  readyStaysOnUpdate?: boolean;
}

export interface CrossplaneController {
  stop(): Promise<void>;
}

export const crossplaneFinalizer = 'finalizer.apiextensions.crossplane.io';
const manager = 'apiextensions.crossplane.io/composite';

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message?: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

/**
 * Simulated Crossplane for configured claim/XR kinds, driven by store events: a finalizer, Synced and
 * Ready conditions carrying observedGeneration, resourceRefs, a connection Secret (a kubeconfig for
 * cluster kinds) once ready, failures, and finalizer removal after a delay on deletion. Kinds the
 * server does not serve yet are registered, as installing their XRD would.
 */
export function startCrossplaneController(options: CrossplaneControllerOptions): CrossplaneController {
  const { store } = options.kube;
  const timers = new ControllerTimers();
  const readyDelayMs = options.readyDelayMs ?? 20;
  const deletionDelayMs = options.deletionDelayMs ?? 20;
  const processed = new Map<string, number>();
  const kinds = new Map<string, { type: ResolvedResourceType; kind: CrossplaneKind }>();
  for (const kind of options.kinds) {
    const apiVersion = `${kind.group}/${kind.version}`;
    const type =
      store.types.byKind(apiVersion, kind.kind) ??
      store.addType({ ...kind, namespaced: kind.namespaced ?? true, hasStatus: true });
    kinds.set(`${type.apiVersion}/${type.kind}`, { type, kind });
  }

  const behaviourOf = (
    type: ResolvedResourceType,
    namespace: string | undefined,
    name: string,
  ): ClaimBehaviour => {
    const source = options.behaviour;
    if (!source) return {};
    if (typeof source === 'function')
      return source({ kind: type.kind, ...(namespace ? { namespace } : {}), name }) ?? {};
    return source[name] ?? {};
  };

  const reconcile = (type: ResolvedResourceType, kind: CrossplaneKind, ref: ObjectRef): void => {
    const key = `${type.apiVersion}/${type.kind}/${ref.namespace ?? ''}/${ref.name}`;
    const object = store.get(ref);
    if (!object) {
      timers.clearPrefix(`${key}#`);
      processed.delete(key);
      return;
    }
    const metadata = metadataOf(object);
    const behaviour = behaviourOf(type, ref.namespace, ref.name);
    const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers.map(String) : [];
    if (metadata.deletionTimestamp) {
      if (!finalizers.includes(crossplaneFinalizer) || timers.has(`${key}#delete`)) return;
      timers.clear(`${key}#ready`);
      timers.set(`${key}#delete`, behaviour.deletionDelayMs ?? deletionDelayMs, () => {
        deleteConnectionSecret(object, behaviour);
        const current = store.get(ref);
        if (!current) return;
        const remaining = (metadataOf(current).finalizers as unknown[] | undefined)?.filter(
          (f) => f !== crossplaneFinalizer,
        );
        store.patch(ref, { metadata: { finalizers: remaining ?? [] } }, { fieldManager: manager });
      });
      setConditions(ref, object, [condition('Ready', 'False', 'Deleting', Number(metadata.generation ?? 0))]);
      return;
    }
    if (!finalizers.includes(crossplaneFinalizer)) {
      store.patch(
        ref,
        { metadata: { finalizers: [...finalizers, crossplaneFinalizer] } },
        { fieldManager: manager },
      );
    }
    const generation = Number(metadata.generation ?? 1);
    if (processed.get(key) === generation) return;
    processed.set(key, generation);
    timers.clear(`${key}#ready`);

    const mode = behaviour.mode ?? 'ready';
    if (mode === 'failing') {
      setConditions(ref, object, [
        condition(
          'Synced',
          'False',
          'ReconcileError',
          generation,
          behaviour.message ?? 'cannot compose resources: simulated composition failure',
        ),
        condition('Ready', 'False', 'Creating', generation),
      ]);
      return;
    }
    // A ready object keeps its old Ready condition (and observedGeneration) until the new spec is
    // observed ready, as real Crossplane usually does: a reader must compare observedGeneration.
    const keepReady = options.readyStaysOnUpdate !== false && conditionOf(object, 'Ready')?.status === 'True';
    setConditions(
      ref,
      object,
      [
        condition('Synced', 'True', 'ReconcileSuccess', generation),
        ...(keepReady ? [] : [condition('Ready', 'False', 'Creating', generation)]),
      ],
      { resourceRefs: resourceRefs(kind, ref.name) },
    );
    if (mode === 'never-ready') return;
    const delay = behaviour.readyDelayMs ?? (mode === 'slow' ? readyDelayMs * 10 : readyDelayMs);
    timers.set(`${key}#ready`, delay, () => markReady(type, kind, ref, generation, behaviour));
  };

  const markReady = (
    type: ResolvedResourceType,
    kind: CrossplaneKind,
    ref: ObjectRef,
    generation: number,
    behaviour: ClaimBehaviour,
  ): void => {
    const object = store.get(ref);
    if (!object || Number(metadataOf(object).generation ?? 1) !== generation) return;
    try {
      const published = publishConnectionSecret(object, type, kind, behaviour);
      setConditions(ref, object, [condition('Ready', 'True', 'Available', generation)], {
        ...(published ? { connectionDetails: { lastPublishedTime: timestamp() } } : {}),
      });
    } catch (error) {
      if (!(error instanceof FakeKubeApiError)) throw error;
      setConditions(ref, object, [
        condition(
          'Synced',
          'False',
          'ReconcileError',
          generation,
          `cannot publish connection details: ${error.message}`,
        ),
      ]);
    }
  };

  const connectionTarget = (
    object: KubeRecord,
    behaviour: ClaimBehaviour,
  ): { namespace: string; name: string } | undefined => {
    const spec = isRecord(object.spec) ? object.spec : {};
    const crossplane = isRecord(spec.crossplane) ? spec.crossplane : {};
    const target = isRecord(spec.writeConnectionSecretToRef)
      ? spec.writeConnectionSecretToRef
      : isRecord(crossplane.writeConnectionSecretToRef)
        ? crossplane.writeConnectionSecretToRef
        : behaviour.connectionSecret;
    if (!target || typeof target.name !== 'string') return undefined;
    const namespace = typeof target.namespace === 'string' ? target.namespace : metadataOf(object).namespace;
    return typeof namespace === 'string' ? { namespace, name: target.name } : undefined;
  };

  const publishConnectionSecret = (
    object: KubeRecord,
    type: ResolvedResourceType,
    kind: CrossplaneKind,
    behaviour: ClaimBehaviour,
  ): boolean => {
    const target = connectionTarget(object, behaviour);
    if (!target) return false;
    const metadata = metadataOf(object);
    const name = String(metadata.name);
    const details: Record<string, string> = kind.cluster
      ? clusterKubeconfig(name)
      : (behaviour.connectionDetails ?? { endpoint: `${name}.example` });
    const secret: KubeRecord = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'connection.crossplane.io/v1alpha1',
      metadata: {
        name: target.name,
        namespace: target.namespace,
        ownerReferences: [
          { apiVersion: type.apiVersion, kind: type.kind, name, uid: metadata.uid, controller: true },
        ],
      },
      data: Object.fromEntries(
        Object.entries(details).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
      ),
    };
    const existing = store.get({ apiVersion: 'v1', kind: 'Secret', ...target });
    if (!existing) store.create(secret, { fieldManager: manager });
    // A cluster's credentials stay stable once published; other details follow the spec.
    else if (!kind.cluster) store.update(secret, { fieldManager: manager });
    return true;
  };

  const deleteConnectionSecret = (object: KubeRecord, behaviour: ClaimBehaviour): void => {
    const target = connectionTarget(object, behaviour);
    if (!target) return;
    const ref = { apiVersion: 'v1', kind: 'Secret', ...target };
    const secret = store.get(ref);
    const owners = secret ? metadataOf(secret).ownerReferences : undefined;
    const owned =
      Array.isArray(owners) && owners.some((o) => isRecord(o) && o.uid === metadataOf(object).uid);
    // The real Secret goes with its owner through garbage collection, which the fake server lacks.
    if (owned) store.delete(ref);
  };

  const setConditions = (
    ref: ObjectRef,
    object: KubeRecord,
    updates: Condition[],
    extra: KubeRecord = {},
  ): void => {
    const current = store.get(ref) ?? object;
    const status = isRecord(current.status) ? current.status : {};
    const existing = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
    // lastTransitionTime only moves when the condition's status does.
    const merged: KubeRecord[] = existing.map((c) => {
      const update = updates.find((u) => u.type === c.type);
      if (!update) return c;
      return c.status === update.status
        ? { ...update, lastTransitionTime: c.lastTransitionTime }
        : { ...update };
    });
    for (const update of updates)
      if (!existing.some((c) => c.type === update.type)) merged.push({ ...update });
    store.patchStatus(ref, { ...extra, conditions: merged }, { fieldManager: manager });
  };

  const onEvent = (event: StoreEvent): void => {
    const entry = kinds.get(`${event.resourceType.apiVersion}/${event.resourceType.kind}`);
    if (!entry) return;
    const { kind } = entry;
    const metadata = metadataOf(event.object);
    reconcile(event.resourceType, kind, refOf(event.resourceType, metadata));
  };

  const unsubscribe = store.watch(onEvent);
  for (const { type, kind } of kinds.values()) {
    for (const object of store.list({ apiVersion: type.apiVersion, kind: type.kind })) {
      reconcile(type, kind, refOf(type, metadataOf(object)));
    }
  }
  return {
    async stop() {
      unsubscribe();
      timers.clearAll();
    },
  };
}

function refOf(type: ResolvedResourceType, metadata: KubeRecord): ObjectRef {
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
    name: String(metadata.name),
  };
}

function condition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  observedGeneration: number,
  message?: string,
): Condition {
  return {
    type,
    status,
    reason,
    ...(message ? { message } : {}),
    lastTransitionTime: timestamp(),
    observedGeneration,
  };
}

function conditionOf(object: KubeRecord, type: string): KubeRecord | undefined {
  const status = isRecord(object.status) ? object.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.find((c): c is KubeRecord => isRecord(c) && c.type === type);
}

function resourceRefs(kind: CrossplaneKind, name: string): KubeRecord[] {
  const composed = kind.composed ?? [{ apiVersion: `${kind.group}/${kind.version}`, kind: `X${kind.kind}` }];
  return composed.map((c, i) => ({ apiVersion: c.apiVersion, kind: c.kind, name: c.name ?? `${name}-${i}` }));
}
