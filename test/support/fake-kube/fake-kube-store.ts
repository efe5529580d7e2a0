import { randomUUID } from 'node:crypto';
import { normalizeBuiltin } from './builtin-semantics.ts';
import { alreadyExists, conflict, FakeKubeApiError, invalid, notFound } from './fake-kube-api-error.ts';
import { cloneJson, type KubeRecord, metadataOf } from './json-values.ts';
import {
  changedPaths,
  leafPaths,
  type ManagedFieldsEntry,
  readManagedFields,
  recordUpdate,
} from './managed-fields.ts';
import { applyJsonPatch, applyMergePatch } from './patches.ts';
import {
  builtinResourceTypes,
  type FakeKubeResourceType,
  type ResolvedResourceType,
  ResourceTypeRegistry,
} from './resource-types.ts';
import { matchesSelector, type ObjectSelector, parseSelector } from './selectors.ts';
import { serverSideApply } from './server-side-apply.ts';
import { StoreEventHub } from './store-event-hub.ts';
import type {
  CreateOptions,
  DeleteOptions,
  DeleteResult,
  FakeKubeStoreOptions,
  ListQuery,
  ObjectRef,
  PatchOptions,
  StoreEvent,
  WatchFilter,
  WriteOptions,
} from './store-types.ts';
import {
  asRecord,
  deepFreeze,
  keyOf,
  mergeWrite,
  randomSuffix,
  requireName,
  sameContent,
  scopedNamespace,
  specChanged,
  stringOr,
  timestamp,
} from './write-rules.ts';

export type * from './store-types.ts';
export { sameType, timestamp } from './write-rules.ts';

const defaultManager = 'unknown';

/**
 * The fake API server's state and semantics, usable in-process: every write goes through the same
 * checks, resourceVersion bump, generation and managedFields rules and watch events whether it comes
 * over HTTP or from a test or simulated controller.
 */
export class FakeKubeStore {
  readonly types: ResourceTypeRegistry;
  readonly #objects = new Map<string, KubeRecord>();
  readonly #events: StoreEventHub;
  #resourceVersion = 0;

  constructor(options: FakeKubeStoreOptions = {}) {
    this.types = new ResourceTypeRegistry([...builtinResourceTypes, ...(options.types ?? [])]);
    this.#events = new StoreEventHub(options.watchHistoryLimit ?? 10_000);
    for (const name of options.namespaces ?? ['default', 'argocd']) {
      this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }

  /** The latest resourceVersion, as lists report it. */
  get resourceVersion(): string {
    return String(this.#resourceVersion);
  }

  /** Serve another type from now on (like installing a CRD). */
  addType(type: FakeKubeResourceType): ResolvedResourceType {
    return this.types.add(type);
  }

  resolveType(apiVersion: string, kind: string): ResolvedResourceType {
    const type = this.types.byKind(apiVersion, kind);
    if (!type) {
      throw new FakeKubeApiError(
        'NotFound',
        `the server could not find the requested resource (${apiVersion} ${kind})`,
      );
    }
    return type;
  }

  get(ref: ObjectRef): KubeRecord | undefined {
    const type = this.resolveType(ref.apiVersion, ref.kind);
    const stored = this.#objects.get(keyOf(type, scopedNamespace(type, ref.namespace), ref.name));
    return stored ? cloneJson(stored) : undefined;
  }

  /** Like get, but a missing object is the NotFound error the server would answer. */
  read(ref: ObjectRef): KubeRecord {
    const type = this.resolveType(ref.apiVersion, ref.kind);
    const found = this.get(ref);
    if (!found) throw notFound(type.qualifiedName, ref.name, type.kind);
    return found;
  }

  list(query: ListQuery): KubeRecord[] {
    const type = this.resolveType(query.apiVersion, query.kind);
    const selector = parseSelector(query.labelSelector, query.fieldSelector);
    return this.#listType(type, type.namespaced ? query.namespace : undefined, selector).map((o) =>
      cloneJson(o),
    );
  }

  create(object: KubeRecord, options: CreateOptions = {}): KubeRecord {
    const type = this.#typeOfBody(object);
    const incoming = cloneJson(object);
    const metadata = metadataOf(incoming);
    if (typeof metadata.resourceVersion === 'string' && metadata.resourceVersion !== '') {
      throw new FakeKubeApiError('BadRequest', 'resourceVersion should not be set on objects to be created');
    }
    if (type.hasStatus && !options.keepStatus) delete incoming.status;
    return this.#createPrepared(type, incoming, undefined, options.fieldManager ?? defaultManager);
  }

  /** PUT semantics: resourceVersion must match when given (and is required for CRDs). */
  update(object: KubeRecord, options: WriteOptions = {}): KubeRecord {
    const type = this.#typeOfBody(object);
    const incoming = cloneJson(object);
    const metadata = metadataOf(incoming);
    const name = requireName(type, metadata);
    const namespace = scopedNamespace(type, stringOr(metadata.namespace));
    const previous = this.#objects.get(keyOf(type, namespace, name));
    if (!previous) throw notFound(type.qualifiedName, name, type.kind);
    const previousMeta = metadataOf(previous);
    const resourceVersion = stringOr(metadata.resourceVersion);
    if (resourceVersion === undefined) {
      if (!type.allowUnconditionalUpdate) {
        throw invalid(
          type.kind,
          name,
          'metadata.resourceVersion',
          'Invalid value: 0x0: must be specified for an update',
        );
      }
    } else if (resourceVersion !== previousMeta.resourceVersion) throw conflict(type.qualifiedName, name);
    if (typeof metadata.uid === 'string' && metadata.uid !== previousMeta.uid) {
      throw new FakeKubeApiError(
        'Conflict',
        `Precondition failed: UID in precondition: ${String(metadata.uid)}, UID in object meta: ${String(previousMeta.uid)}`,
      );
    }
    const next = mergeWrite(type, previous, incoming, options.subresource);
    return this.#commit(type, previous, next, {
      manager: options.fieldManager,
      subresource: options.subresource,
    });
  }

  patch(ref: ObjectRef, body: unknown, options: PatchOptions = {}): KubeRecord {
    const type = this.resolveType(ref.apiVersion, ref.kind);
    const namespace = scopedNamespace(type, ref.namespace);
    const previous = this.#objects.get(keyOf(type, namespace, ref.name));
    const patchType = options.type ?? 'merge';
    if (patchType === 'apply') return this.#apply(type, namespace, ref.name, previous, body, options);
    if (!previous) throw notFound(type.qualifiedName, ref.name, type.kind);
    const patched =
      patchType === 'json'
        ? applyJsonPatch(previous, body)
        : asRecord(applyMergePatch(previous, asRecord(body)));
    const patchedMeta = metadataOf(patched);
    if (patchedMeta.resourceVersion !== metadataOf(previous).resourceVersion) {
      throw conflict(type.qualifiedName, ref.name);
    }
    if (patchedMeta.name !== ref.name || patchedMeta.namespace !== metadataOf(previous).namespace) {
      throw new FakeKubeApiError(
        'BadRequest',
        'metadata.name and metadata.namespace cannot be changed by a patch',
      );
    }
    const next = mergeWrite(type, previous, patched, options.subresource);
    return this.#commit(type, previous, next, {
      manager: options.fieldManager,
      subresource: options.subresource,
    });
  }

  /** Merge-patches `.status` only, whatever the type (what controllers do through `/status`). */
  patchStatus(ref: ObjectRef, status: KubeRecord, options: { fieldManager?: string } = {}): KubeRecord {
    const type = this.resolveType(ref.apiVersion, ref.kind);
    const previous = this.#objects.get(keyOf(type, scopedNamespace(type, ref.namespace), ref.name));
    if (!previous) throw notFound(type.qualifiedName, ref.name, type.kind);
    const patched = asRecord(applyMergePatch(previous, { status }));
    const next = mergeWrite(type, previous, patched, 'status');
    return this.#commit(type, previous, next, { manager: options.fieldManager, subresource: 'status' });
  }

  delete(ref: ObjectRef, options: DeleteOptions = {}): DeleteResult {
    const type = this.resolveType(ref.apiVersion, ref.kind);
    const key = keyOf(type, scopedNamespace(type, ref.namespace), ref.name);
    const previous = this.#objects.get(key);
    if (!previous) throw notFound(type.qualifiedName, ref.name, type.kind);
    const metadata = metadataOf(previous);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== metadata.uid) {
      throw new FakeKubeApiError(
        'Conflict',
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(metadata.uid)}`,
      );
    }
    if (resourceVersion !== undefined && resourceVersion !== metadata.resourceVersion) {
      throw conflict(type.qualifiedName, ref.name);
    }
    if (Array.isArray(metadata.finalizers) && metadata.finalizers.length > 0) {
      if (metadata.deletionTimestamp) return { object: cloneJson(previous), deleted: false };
      const next = cloneJson(previous);
      const nextMeta = metadataOf(next);
      nextMeta.deletionTimestamp = timestamp();
      nextMeta.deletionGracePeriodSeconds = 0;
      // The real server bumps generation when it marks an object for deletion.
      if (type.generation) nextMeta.generation = Number(metadata.generation ?? 0) + 1;
      return { object: this.#commit(type, previous, next, { generationDone: true }), deleted: false };
    }
    return { object: this.#remove(type, key, previous), deleted: true };
  }

  /**
   * Subscribe to every committed change, in order. Listeners run synchronously after the write that
   * caused them; writes made from a listener are queued, so every listener sees events in order.
   */
  watch(listener: (event: StoreEvent) => void, filter: WatchFilter = {}): () => void {
    return this.#events.subscribe(listener, filter);
  }

  /** Events after `resourceVersion` for a type, or 'expired' when history no longer reaches back that far. */
  eventsSince(type: ResolvedResourceType, resourceVersion: number): StoreEvent[] | 'expired' {
    return this.#events.since(type, resourceVersion, this.#resourceVersion);
  }

  /** For the HTTP layer: objects of one type as stored (frozen, do not mutate). */
  snapshot(
    type: ResolvedResourceType,
    namespace: string | undefined,
    selector: ObjectSelector,
  ): KubeRecord[] {
    return this.#listType(type, namespace, selector);
  }

  #listType(
    type: ResolvedResourceType,
    namespace: string | undefined,
    selector: ObjectSelector,
  ): KubeRecord[] {
    const prefix = `${type.apiVersion}/${type.kind}/`;
    const items: KubeRecord[] = [];
    for (const [key, object] of this.#objects) {
      if (!key.startsWith(prefix)) continue;
      if (namespace !== undefined && metadataOf(object).namespace !== namespace) continue;
      if (matchesSelector(object, selector)) items.push(object);
    }
    return items.sort((a, b) => {
      const left = `${String(metadataOf(a).namespace ?? '')}/${String(metadataOf(a).name)}`;
      const right = `${String(metadataOf(b).namespace ?? '')}/${String(metadataOf(b).name)}`;
      return left < right ? -1 : left > right ? 1 : 0;
    });
  }

  #typeOfBody(object: KubeRecord): ResolvedResourceType {
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      throw new FakeKubeApiError(
        'BadRequest',
        "Object 'Kind' or 'apiVersion' is missing in the request body",
      );
    }
    return this.resolveType(object.apiVersion, object.kind);
  }

  #requireNamespace(type: ResolvedResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    const found = namespace === undefined ? undefined : this.#objects.get(`v1/Namespace//${namespace}`);
    if (!found) throw notFound('namespaces', namespace ?? '', 'Namespace');
    if (metadataOf(found).deletionTimestamp) {
      throw new FakeKubeApiError(
        'Forbidden',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  #createPrepared(
    type: ResolvedResourceType,
    incoming: KubeRecord,
    managedFields: ManagedFieldsEntry[] | undefined,
    manager: string,
  ): KubeRecord {
    const metadata = metadataOf(incoming);
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      if (typeof metadata.generateName !== 'string' || metadata.generateName === '') {
        throw invalid(type.kind, '', 'metadata.name', 'Required value: name or generateName is required');
      }
      metadata.name = `${metadata.generateName}${randomSuffix()}`;
    }
    const name = metadata.name as string;
    const namespace = scopedNamespace(type, stringOr(metadata.namespace) ?? 'default');
    if (namespace === undefined) delete metadata.namespace;
    else metadata.namespace = namespace;
    this.#requireNamespace(type, namespace);
    const key = keyOf(type, namespace, name);
    if (this.#objects.has(key)) throw alreadyExists(type.qualifiedName, name);
    incoming.apiVersion = type.apiVersion;
    incoming.kind = type.kind;
    metadata.uid = randomUUID();
    metadata.creationTimestamp = timestamp();
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.resourceVersion;
    if (type.generation) metadata.generation = 1;
    else delete metadata.generation;
    normalizeBuiltin(type, incoming, true);
    metadata.managedFields =
      managedFields ??
      recordUpdate({
        entries: [],
        manager,
        apiVersion: type.apiVersion,
        changed: leafPaths(incoming),
        after: incoming,
        now: timestamp(),
      });
    return this.#store(type, key, undefined, incoming);
  }

  #apply(
    type: ResolvedResourceType,
    namespace: string | undefined,
    name: string,
    previous: KubeRecord | undefined,
    body: unknown,
    options: PatchOptions,
  ): KubeRecord {
    const manager = options.fieldManager;
    if (!manager) {
      throw new FakeKubeApiError(
        'BadRequest',
        'PATCH, application/apply-patch+yaml requests must specify fieldManager',
      );
    }
    const applied = asRecord(cloneJson(body));
    if (applied.apiVersion !== type.apiVersion || applied.kind !== type.kind) {
      throw new FakeKubeApiError(
        'BadRequest',
        `invalid object type: ${String(applied.apiVersion)}, Kind=${String(applied.kind)}; expected ${type.apiVersion}, Kind=${type.kind}`,
      );
    }
    const metadata = metadataOf(applied);
    if (metadata.name !== name) {
      throw invalid(
        type.kind,
        name,
        'metadata.name',
        `Invalid value: ${JSON.stringify(metadata.name)}: must match URL`,
      );
    }
    const resourceVersion = stringOr(metadata.resourceVersion);
    delete metadata.managedFields;
    delete metadata.resourceVersion;
    const restricted: KubeRecord =
      options.subresource === 'status'
        ? { status: applied.status }
        : type.hasStatus
          ? Object.fromEntries(Object.entries(applied).filter(([k]) => k !== 'status'))
          : applied;
    const describe = { kind: type.qualifiedName, name };
    if (!previous) {
      if (options.subresource === 'status') throw notFound(type.qualifiedName, name, type.kind);
      if (resourceVersion !== undefined) throw conflict(type.qualifiedName, name);
      const result = serverSideApply({
        live: undefined,
        applied: restricted,
        entries: [],
        manager,
        force: options.force ?? false,
        apiVersion: type.apiVersion,
        describe,
        now: timestamp(),
      });
      const object = { ...result.object, apiVersion: type.apiVersion, kind: type.kind };
      const objectMeta = metadataOf(object);
      objectMeta.name = name;
      if (namespace !== undefined) objectMeta.namespace = namespace;
      return this.#createPrepared(type, object, result.managedFields, manager);
    }
    const previousMeta = metadataOf(previous);
    if (resourceVersion !== undefined && resourceVersion !== previousMeta.resourceVersion) {
      throw conflict(type.qualifiedName, name);
    }
    const result = serverSideApply({
      live: previous,
      applied: restricted,
      entries: readManagedFields(previousMeta),
      manager,
      force: options.force ?? false,
      apiVersion: type.apiVersion,
      subresource: options.subresource,
      describe,
      now: timestamp(),
    });
    const next = mergeWrite(type, previous, result.object, options.subresource);
    return this.#commit(type, previous, next, { managedFields: result.managedFields });
  }

  /**
   * The end of every update: a no-op leaves the object (and resourceVersion) alone, as on the real
   * server; generation follows spec changes; an object marked for deletion goes once its finalizers do.
   */
  #commit(
    type: ResolvedResourceType,
    previous: KubeRecord,
    next: KubeRecord,
    how: {
      manager?: string;
      subresource?: string;
      managedFields?: ManagedFieldsEntry[];
      generationDone?: boolean;
    },
  ): KubeRecord {
    const metadata = metadataOf(next);
    const previousMeta = metadataOf(previous);
    metadata.managedFields =
      how.managedFields ??
      recordUpdate({
        entries: readManagedFields(previousMeta),
        manager: how.manager ?? defaultManager,
        apiVersion: type.apiVersion,
        subresource: how.subresource,
        changed: changedPaths(previous, next),
        after: next,
        now: timestamp(),
      });
    if (type.generation && !how.generationDone && specChanged(type, previous, next)) {
      metadata.generation = Number(previousMeta.generation ?? 0) + 1;
    }
    if (sameContent(previous, next)) return cloneJson(previous);
    const key = keyOf(type, stringOr(metadata.namespace), String(metadata.name));
    const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers : [];
    if (metadata.deletionTimestamp && finalizers.length === 0) {
      return this.#remove(type, key, previous, next);
    }
    return this.#store(type, key, previous, next);
  }

  #store(
    type: ResolvedResourceType,
    key: string,
    previous: KubeRecord | undefined,
    next: KubeRecord,
  ): KubeRecord {
    this.#resourceVersion += 1;
    metadataOf(next).resourceVersion = String(this.#resourceVersion);
    const frozen = deepFreeze(next);
    this.#objects.set(key, frozen);
    this.#events.publish({
      type: previous ? 'MODIFIED' : 'ADDED',
      object: frozen,
      ...(previous ? { previous } : {}),
      resourceType: type,
      resourceVersion: this.#resourceVersion,
    });
    return cloneJson(frozen);
  }

  #remove(type: ResolvedResourceType, key: string, previous: KubeRecord, last?: KubeRecord): KubeRecord {
    this.#objects.delete(key);
    this.#resourceVersion += 1;
    const gone = cloneJson(last ?? previous);
    metadataOf(gone).resourceVersion = String(this.#resourceVersion);
    const frozen = deepFreeze(gone);
    this.#events.publish({
      type: 'DELETED',
      object: frozen,
      previous,
      resourceType: type,
      resourceVersion: this.#resourceVersion,
    });
    if (type.kind === 'Namespace' && type.group === '')
      this.#deleteNamespaceContents(String(metadataOf(gone).name));
    return cloneJson(frozen);
  }

  /** Simplified namespace lifecycle: contents are deleted (finalizers still hold theirs) with it. */
  #deleteNamespaceContents(namespace: string): void {
    for (const [, object] of [...this.#objects]) {
      const metadata = metadataOf(object);
      if (metadata.namespace !== namespace) continue;
      const ref = {
        apiVersion: String(object.apiVersion),
        kind: String(object.kind),
        namespace,
        name: String(metadata.name),
      };
      this.delete(ref);
    }
  }
}
