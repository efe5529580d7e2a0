import type { KubeRecord } from './json-values.ts';
import type { FakeKubeResourceType, ResolvedResourceType } from './resource-types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, in commit order. `object` and `previous` are frozen snapshots. */
export interface StoreEvent {
  type: WatchEventType;
  object: KubeRecord;
  /** The version before this change (MODIFIED and DELETED). */
  previous?: KubeRecord;
  resourceType: ResolvedResourceType;
  resourceVersion: number;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ListQuery {
  apiVersion: string;
  kind: string;
  /** Omitted: every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WriteOptions {
  /** Recorded in `metadata.managedFields`; the HTTP layer passes `?fieldManager=` or the user agent. */
  fieldManager?: string;
  /** Write through the status subresource: only `.status` changes. */
  subresource?: 'status';
}

export interface CreateOptions extends WriteOptions {
  /** Keep `.status` on create even where a status subresource would drop it (seeding tests). */
  keepStatus?: boolean;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Default 'merge'. */
  type?: PatchType;
  /** Server-side apply only: take over conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  object: KubeRecord;
  /** False when finalizers keep the object (it now carries `deletionTimestamp`). */
  deleted: boolean;
}

export interface WatchFilter {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
}

export interface FakeKubeStoreOptions {
  types?: readonly FakeKubeResourceType[];
  /** Namespaces that exist at start. Default ['default', 'argocd']. */
  namespaces?: readonly string[];
  /** How many past events a watch can resume from before answering 410 Gone. Default 10000. */
  watchHistoryLimit?: number;
}
