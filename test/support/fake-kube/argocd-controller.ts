import {
  type ApplicationSetEmulation,
  type ClusterGeneratorTemplate,
  startApplicationSetEmulation,
} from './applicationset-emulation.ts';
import { ControllerTimers } from './controller-timers.ts';
import { type FakeKubeStore, type ObjectRef, type StoreEvent, timestamp } from './fake-kube-store.ts';
import { cloneJson, isRecord, type KubeRecord, metadataOf } from './json-values.ts';

export type ArgoSyncResult = 'Succeeded' | 'Failed' | 'Error';
export type ArgoHealth = 'Healthy' | 'Degraded' | 'Missing' | 'Progressing';

/** How one Application behaves; every field optional. */
export interface ArgoAppBehaviour {
  /** Running → result. Default `tickMs`. */
  syncDelayMs?: number;
  /** Default 'Succeeded'. */
  result?: ArgoSyncResult;
  /** Health after a successful sync; 'Progressing' means stuck. Default 'Healthy'. */
  health?: ArgoHealth;
  /** Progressing → `health`. Default `tickMs`. */
  healthDelayMs?: number;
  /** Message of a failed operation or of a non-healthy health. */
  message?: string;
  /** What a refresh reports as the Git head; default: `setGitHead`, else the last operation's revision. */
  gitHead?: string;
}

export interface ArgoCdControllerOptions {
  kube: { store: FakeKubeStore };
  /** By Application name, or a function of the Application. */
  behaviour?:
    | Record<string, ArgoAppBehaviour>
    | ((app: { namespace: string; name: string }) => ArgoAppBehaviour | undefined);
  /** Default delay for sync and health transitions. Default 20 ms. */
  tickMs?: number;
  /** Emulate ApplicationSets with a clusters generator (see applicationset-emulation.ts). */
  applicationSets?: ClusterGeneratorTemplate[];
  /** Namespace of cluster Secrets and ApplicationSets. Default 'argocd'. */
  argocdNamespace?: string;
}

export interface ArgoOperationRecord {
  namespace: string;
  name: string;
  /** The revision synced; for a multi-source app, its first source's. */
  revision: string;
  /** Multi-source apps: the revision of each source, in the order of `spec.sources`. */
  revisions?: string[];
  automated: boolean;
  prune: boolean;
}

export interface ArgoCdController {
  /**
   * Emulates a push and Argo CD's Git webhook: the new head (for one Application name, or all) and a
   * refresh of the affected apps unless `refresh: false`; automated apps then sync to it.
   */
  setGitHead(revision: string, options?: { app?: string; refresh?: boolean }): void;
  /** Every sync operation started, in order. */
  operations: ArgoOperationRecord[];
  stop(): Promise<void>;
}

const group = 'argoproj.io/v1alpha1';
const refreshAnnotation = 'argocd.argoproj.io/refresh';
const manager = 'argocd-application-controller';
const argoFinalizers = ['resources-finalizer.argocd.argoproj.io', 'post-delete-finalizer.argocd.argoproj.io'];

/**
 * Simulated Argo CD application controller driven by store events: refresh annotations, sync
 * operations (Running → Succeeded/Failed/Error, `operation` removed), sync and health status,
 * automated sync of a new Git head. Status goes through the main resource, as Argo CD writes it
 * (Application has no status subresource). A multi-source app (`spec.sources`) syncs and reports per-source
 * `revisions` (no single `revision`): Git sources at the Git head, Helm chart sources at their targetRevision.
 */
export function startArgoCdController(options: ArgoCdControllerOptions): ArgoCdController {
  const { store } = options.kube;
  const tickMs = options.tickMs ?? 20;
  const timers = new ControllerTimers();
  const operations: ArgoOperationRecord[] = [];
  const running = new Map<string, string>();
  const autoSynced = new Map<string, string>();
  const appHeads = new Map<string, string>();
  let globalHead: string | undefined;

  const behaviourOf = (namespace: string, name: string): ArgoAppBehaviour => {
    const source = options.behaviour;
    if (!source) return {};
    return (typeof source === 'function' ? source({ namespace, name }) : source[name]) ?? {};
  };

  const refOf = (namespace: string, name: string): ObjectRef => ({
    apiVersion: group,
    kind: 'Application',
    namespace,
    name,
  });

  const write = (ref: ObjectRef, mutate: (app: KubeRecord, status: KubeRecord) => void): void => {
    const app = store.get(ref);
    if (!app) return;
    const status: KubeRecord = isRecord(app.status) ? app.status : {};
    mutate(app, status);
    app.status = status;
    store.update(app, { fieldManager: manager });
  };

  const headOf = (app: KubeRecord, namespace: string, name: string): string | undefined => {
    const status = isRecord(app.status) ? app.status : {};
    const operationState = isRecord(status.operationState) ? status.operationState : {};
    const syncResult = isRecord(operationState.syncResult) ? operationState.syncResult : {};
    const sync = isRecord(status.sync) ? status.sync : {};
    return firstString(
      behaviourOf(namespace, name).gitHead,
      appHeads.get(name),
      globalHead,
      syncRevisionOf(app.operation),
      syncResult.revision,
      sync.revision,
    );
  };

  const reconcile = (namespace: string, name: string): void => {
    const key = `${namespace}/${name}`;
    const ref = refOf(namespace, name);
    const app = store.get(ref);
    if (!app) {
      timers.clearPrefix(`${key}#`);
      running.delete(key);
      return;
    }
    const metadata = metadataOf(app);
    if (metadata.deletionTimestamp) {
      const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers : [];
      const kept = finalizers.filter((f) => !argoFinalizers.includes(String(f)));
      if (kept.length !== finalizers.length) {
        store.patch(ref, { metadata: { finalizers: kept } }, { fieldManager: manager });
      }
      return;
    }
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    if (annotations[refreshAnnotation] !== undefined || !isRecord(app.status)) refresh(ref);
    const current = store.get(ref);
    if (!current) return;
    if (isRecord(current.operation) && !running.has(key)) startOperation(ref, key, current);
    else if (!isRecord(current.operation) && !running.has(key)) autoSync(ref, key, current);
  };

  const refresh = (ref: ObjectRef): void => {
    write(ref, (app, status) => {
      const annotations = metadataOf(app).annotations;
      if (isRecord(annotations)) {
        delete annotations[refreshAnnotation];
        if (Object.keys(annotations).length === 0) delete metadataOf(app).annotations;
      }
      const head = headOf(app, String(ref.namespace), ref.name);
      const tracked = sourceRevisionsAt(app, head);
      status.reconciledAt = timestamp();
      if (tracked) {
        // Like a single source's `revision`, `revisions` is reported only once every Git head is known.
        const heads = tracked.every((r): r is string => r !== undefined) ? tracked : undefined;
        const synced = syncedSourceRevisions(status);
        const same = heads !== undefined && synced !== undefined && heads.join('\n') === synced.join('\n');
        status.sync = {
          status: same ? 'Synced' : 'OutOfSync',
          ...(heads ? { revisions: heads } : {}),
          comparedTo: comparedTo(app),
        };
      } else {
        const synced = syncedRevision(status);
        status.sync = {
          status: head !== undefined && head === synced ? 'Synced' : 'OutOfSync',
          ...(head !== undefined ? { revision: head } : {}),
          comparedTo: comparedTo(app),
        };
      }
      if (!isRecord(status.health)) status.health = { status: 'Missing' };
    });
  };

  const autoSync = (ref: ObjectRef, key: string, app: KubeRecord): void => {
    const spec = isRecord(app.spec) ? app.spec : {};
    const policy = isRecord(spec.syncPolicy) ? spec.syncPolicy : {};
    if (!isRecord(policy.automated) || policy.automated.enabled === false) return;
    const status = isRecord(app.status) ? app.status : {};
    const sync = isRecord(status.sync) ? status.sync : {};
    const revisions = stringsOf(sync.revisions);
    const revision = typeof sync.revision === 'string' ? sync.revision : undefined;
    const target = revisions ? { revisions } : revision !== undefined ? { revision } : undefined;
    const attempted = JSON.stringify(target);
    // Argo CD never retries an automated sync of the revision it already attempted.
    if (sync.status !== 'OutOfSync' || target === undefined || autoSynced.get(key) === attempted) return;
    autoSynced.set(key, attempted);
    store.patch(
      ref,
      {
        operation: {
          sync: { ...target, prune: policy.automated.prune === true },
          initiatedBy: { automated: true },
          retry: {},
        },
      },
      { fieldManager: manager },
    );
  };

  const startOperation = (ref: ObjectRef, key: string, app: KubeRecord): void => {
    const operation = cloneJson(app.operation as KubeRecord);
    const sync = isRecord(operation.sync) ? operation.sync : {};
    const head = headOf(app, String(ref.namespace), ref.name);
    // A multi-source operation without `revisions` syncs every source at what it tracks, as Argo CD does.
    const tracked = sourceRevisionsAt(app, head);
    const revisions = tracked ? (stringsOf(sync.revisions) ?? tracked.map((r) => r ?? 'HEAD')) : undefined;
    const revision = revisions?.[0] ?? syncRevisionOf(operation) ?? head ?? 'HEAD';
    const initiatedBy = isRecord(operation.initiatedBy) ? operation.initiatedBy : {};
    running.set(key, revision);
    timers.clear(`${key}#health`);
    operations.push({
      namespace: String(ref.namespace),
      name: ref.name,
      revision,
      ...(revisions ? { revisions } : {}),
      automated: initiatedBy.automated === true,
      prune: sync.prune === true,
    });
    write(ref, (_app, status) => {
      status.operationState = {
        operation,
        phase: 'Running',
        message: 'one or more tasks are running',
        startedAt: timestamp(),
      };
    });
    const behaviour = behaviourOf(String(ref.namespace), ref.name);
    const synced = revisions ? { revisions } : { revision };
    timers.set(`${key}#sync`, behaviour.syncDelayMs ?? tickMs, () => finishOperation(ref, key, synced));
  };

  const finishOperation = (ref: ObjectRef, key: string, synced: SyncedRevisions): void => {
    running.delete(key);
    const behaviour = behaviourOf(String(ref.namespace), ref.name);
    const phase = behaviour.result ?? 'Succeeded';
    write(ref, (app, status) => {
      delete app.operation;
      const spec = isRecord(app.spec) ? app.spec : {};
      const previous = isRecord(status.operationState) ? status.operationState : {};
      status.operationState = {
        ...previous,
        phase,
        message:
          phase === 'Succeeded'
            ? 'successfully synced (all tasks run)'
            : (behaviour.message ??
              (phase === 'Failed'
                ? 'one or more objects failed to apply, reason: simulated failure'
                : 'ComparisonError: simulated error')),
        finishedAt: timestamp(),
        syncResult: { ...synced, resources: [], ...sourceFields(spec) },
      };
      if (phase !== 'Succeeded') return;
      status.sync = { status: 'Synced', ...synced, comparedTo: comparedTo(app) };
      status.health = { status: 'Progressing' };
      status.reconciledAt = timestamp();
      const history = Array.isArray(status.history) ? status.history : [];
      status.history = [
        ...history,
        {
          id: history.length,
          ...synced,
          deployedAt: timestamp(),
          ...sourceFields(spec),
          initiatedBy: isRecord(previous.operation) ? previous.operation.initiatedBy : undefined,
        },
      ].slice(-10);
    });
    if (phase !== 'Succeeded') return;
    const health = behaviour.health ?? 'Healthy';
    if (health === 'Progressing') return;
    timers.set(`${key}#health`, behaviour.healthDelayMs ?? tickMs, () => {
      write(ref, (_app, status) => {
        status.health = {
          status: health,
          ...(health !== 'Healthy' && behaviour.message ? { message: behaviour.message } : {}),
        };
      });
    });
  };

  const onEvent = (event: StoreEvent): void => {
    if (event.resourceType.kind !== 'Application' || event.resourceType.apiVersion !== group) return;
    const metadata = event.object.metadata as KubeRecord;
    reconcile(String(metadata.namespace), String(metadata.name));
  };

  const unsubscribe = store.watch(onEvent, { apiVersion: group, kind: 'Application' });
  for (const app of store.list({ apiVersion: group, kind: 'Application' })) {
    reconcile(String(metadataOf(app).namespace), String(metadataOf(app).name));
  }
  const appSets: ApplicationSetEmulation | undefined = options.applicationSets
    ? startApplicationSetEmulation({
        kube: options.kube,
        generators: options.applicationSets,
        argocdNamespace: options.argocdNamespace,
      })
    : undefined;

  return {
    operations,
    setGitHead(revision, setOptions = {}) {
      if (setOptions.app) appHeads.set(setOptions.app, revision);
      else globalHead = revision;
      if (setOptions.refresh === false) return;
      for (const app of store.list({ apiVersion: group, kind: 'Application' })) {
        const metadata = metadataOf(app);
        if (setOptions.app && setOptions.app !== metadata.name) continue;
        store.patch(
          refOf(String(metadata.namespace), String(metadata.name)),
          { metadata: { annotations: { [refreshAnnotation]: 'normal' } } },
          { fieldManager: 'argocd-server' },
        );
      }
    },
    async stop() {
      unsubscribe();
      timers.clearAll();
      await appSets?.stop();
    },
  };
}

/** What an operation synced: one `revision`, or per-source `revisions` for a multi-source app. */
type SyncedRevisions = { revision: string } | { revisions: string[] };

function stringsOf(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map((entry) => (typeof entry === 'string' ? entry : '')) : undefined;
}

/** `source` of a single-source app, `sources` of a multi-source one, as Argo CD copies them into results. */
function sourceFields(spec: KubeRecord): KubeRecord {
  if (Array.isArray(spec.sources) && spec.sources.length > 0) return { sources: spec.sources };
  return isRecord(spec.source) ? { source: spec.source } : {};
}

/**
 * A multi-source app's revision per source: Helm chart sources at their targetRevision, Git sources at the
 * Git head, else the revision last synced, else unknown. Undefined for a single-source app.
 */
function sourceRevisionsAt(app: KubeRecord, head: string | undefined): Array<string | undefined> | undefined {
  const spec = isRecord(app.spec) ? app.spec : {};
  if (!Array.isArray(spec.sources) || spec.sources.length === 0) return undefined;
  const status = isRecord(app.status) ? app.status : {};
  const last = syncedSourceRevisions(status);
  return spec.sources.map((source, i) => {
    if (isRecord(source) && typeof source.chart === 'string')
      return firstString(source.targetRevision) ?? 'latest';
    return firstString(head, last?.[i]);
  });
}

function syncedSourceRevisions(status: KubeRecord): string[] | undefined {
  const operationState = isRecord(status.operationState) ? status.operationState : {};
  const syncResult = isRecord(operationState.syncResult) ? operationState.syncResult : {};
  const resolved = stringsOf(syncResult.revisions);
  if (operationState.phase === 'Succeeded' && resolved) return resolved;
  const sync = isRecord(status.sync) ? status.sync : {};
  return sync.status === 'Synced' ? stringsOf(sync.revisions) : undefined;
}

function syncRevisionOf(operation: unknown): string | undefined {
  if (!isRecord(operation) || !isRecord(operation.sync)) return undefined;
  return typeof operation.sync.revision === 'string' && operation.sync.revision !== ''
    ? operation.sync.revision
    : undefined;
}

function syncedRevision(status: KubeRecord): string | undefined {
  const operationState = isRecord(status.operationState) ? status.operationState : {};
  const syncResult = isRecord(operationState.syncResult) ? operationState.syncResult : {};
  if (operationState.phase === 'Succeeded' && typeof syncResult.revision === 'string')
    return syncResult.revision;
  const sync = isRecord(status.sync) ? status.sync : {};
  return sync.status === 'Synced' && typeof sync.revision === 'string' ? sync.revision : undefined;
}

function comparedTo(app: KubeRecord): KubeRecord {
  const spec = isRecord(app.spec) ? app.spec : {};
  return {
    ...sourceFields(spec),
    ...(isRecord(spec.destination) ? { destination: spec.destination } : {}),
  };
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}
