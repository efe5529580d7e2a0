import type { KubeConfig } from '@kubernetes/client-node';
import {
  type ApplicationProgress,
  alreadySyncedAt,
  evaluateApplicationProgress,
  operationIsFor,
  runningOperation,
  shortRevision,
} from './application-progress.ts';
import {
  buildArgoCdClusterSecret,
  ClusterKubeconfigError,
  clusterSecretName,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from './argocd-cluster-secret.ts';
import {
  type ClaimReadiness,
  composedResourceProblem,
  composedResourceRefs,
  compositeRefOf,
  conditionsOf,
  describeCondition,
  evaluateClaimReadiness,
  type ObjectReference,
} from './claim-readiness.ts';
import { KubePermanentError, KubeTransientError } from './kube-errors.ts';
import { isKubeObject, isRecord } from './kube-object.ts';
import {
  createKubeObjectClient,
  describeRef,
  type KubeObjectClient,
  type KubeRecord,
  type KubeRef,
} from './kube-object-client.ts';
import { waitForObject } from './wait-for-object.ts';

export interface DeliveryProgress {
  phase?: string;
  sync?: string;
  health?: string;
  message: string;
}

export interface SyncApplicationInput {
  /** The Application object (in Argo CD's namespace). */
  namespace: string;
  name: string;
  /** The merge SHA. */
  revision: string;
  prune: boolean;
  /** Observe only (automated sync apps unless config says otherwise): wait for the revision to be synced+healthy, never set .operation. */
  observeOnly: boolean;
  timeoutMs: number;
  degradedGraceMs: number;
  signal?: AbortSignal;
  onProgress?: (p: DeliveryProgress) => void;
}

export interface DeliveryOutcome {
  ok: boolean;
  reason: string;
  phase?: string;
  sync?: string;
  health?: string;
  /** Claims: conditions + composed resources not ready, e.g. "Ready=False (Creating): ..."; never secret values. */
  details?: string[];
  /** Set when the timeout ended the wait (`reason` starts with "timed out after"). */
  timedOut?: boolean;
  /** Set when the caller's AbortSignal ended the wait. */
  aborted?: boolean;
}

export interface ClaimRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ApplyClaimInput {
  /** The claim/XR manifest from Git (apiVersion/kind/metadata/spec). */
  object: Record<string, unknown>;
  /** Argo CD owns it: never apply, only wait. */
  observeOnly: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: DeliveryProgress) => void;
}

export interface RegisterClusterInput {
  claim: ClaimRef;
  /** Where the kubeconfig is: v1 writeConnectionSecretToRef, or the composed Secret named in config for v2. */
  connectionSecret: { namespace: string; name: string; key?: string /* default "kubeconfig" */ };
  clusterName: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  argocdNamespace: string;
  /** How long to wait for the connection secret (or its key) to appear; default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WaitClaimDeletedInput {
  claim: ClaimRef;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Issue the DELETE first (when Mergeplane, not Argo CD, owns the claim); a claim already gone is fine. */
  delete?: boolean;
}

export interface RegisteredCluster {
  /** The cluster's name in Argo CD (the Secret's `name` key). */
  name: string;
  server: string;
  /** False when an existing cluster Secret was updated. */
  created: boolean;
  /** The cluster Secret in the Argo CD namespace (`cluster-<name>`). */
  secretName?: string;
}

export interface KubeDelivery {
  syncApplication(input: SyncApplicationInput): Promise<DeliveryOutcome>;
  applyClaim(input: ApplyClaimInput): Promise<DeliveryOutcome>;
  waitClaimDeleted(input: WaitClaimDeletedInput): Promise<DeliveryOutcome>;
  /** `name` and `server` as Argo CD shows the cluster; `created` is false when the Secret was updated. */
  registerCluster(input: RegisterClusterInput): Promise<RegisteredCluster>;
  /** False when there was no cluster Secret to delete. */
  unregisterCluster(input: { clusterName: string; argocdNamespace: string }): Promise<boolean>;
}

/** pino's shape; Probot's logger and `pino()` satisfy it. */
export interface KubeDeliveryLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface KubeDeliveryOptions {
  kubeConfig: KubeConfig;
  log?: KubeDeliveryLogger;
  /** Field manager for server-side apply and patches; default `mergeplane`. */
  fieldManager?: string;
  /** Tests shorten the retry delays of requests and watches. */
  retryDelayMs?: number;
  /** Server-side lifetime of each watch request before it is resumed (default 25). */
  watchTimeoutSeconds?: number;
  /** How many times a conditional `.operation` patch is retried after 409 conflicts before giving up (default 10). */
  maxConflicts?: number;
}

const APPLICATION_API_VERSION = 'argoproj.io/v1alpha1';
const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
const MAX_COMPOSED_DETAILS = 20;

const silent: KubeDeliveryLogger = { debug() {}, info() {}, warn() {} };

function seconds(ms: number): string {
  const value = Math.round(ms / 100) / 10;
  return `${value}s`;
}

function progressEmitter(onProgress: ((p: DeliveryProgress) => void) | undefined) {
  let last = '';
  return (progress: DeliveryProgress) => {
    const key = JSON.stringify([progress.message, progress.phase, progress.sync, progress.health]);
    if (key === last) return;
    last = key;
    onProgress?.(progress);
  };
}

function metadataOf(object: KubeRecord | undefined): Record<string, unknown> {
  return object && isRecord(object.metadata) ? object.metadata : {};
}

function resourceVersionOf(object: KubeRecord | undefined): string {
  const rv = metadataOf(object).resourceVersion;
  return typeof rv === 'string' ? rv : '';
}

function syncOptionsOf(app: KubeRecord): string[] | undefined {
  const spec = isRecord(app.spec) ? app.spec : {};
  const policy = isRecord(spec.syncPolicy) ? spec.syncPolicy : {};
  if (!Array.isArray(policy.syncOptions)) return undefined;
  const options = policy.syncOptions.filter((option): option is string => typeof option === 'string');
  return options.length > 0 ? options : undefined;
}

/** The Git manifest as we apply it: no server-owned fields. */
function applyBody(object: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = object;
  const metadata = isRecord(object.metadata) ? { ...object.metadata } : {};
  for (const field of [
    'managedFields',
    'resourceVersion',
    'uid',
    'generation',
    'creationTimestamp',
    'selfLink',
  ]) {
    delete metadata[field];
  }
  return { ...rest, metadata };
}

function refOf(object: Record<string, unknown>): KubeRef {
  if (!isKubeObject(object)) {
    throw new KubePermanentError('the claim manifest has no apiVersion, kind or metadata.name');
  }
  const namespace = object.metadata.namespace;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(typeof namespace === 'string' && namespace !== '' ? { namespace } : {}),
  };
}

export function createKubeDelivery(options: KubeDeliveryOptions): KubeDelivery {
  const log = options.log ?? silent;
  const fieldManager = options.fieldManager ?? 'mergeplane';
  const retryDelayMs = options.retryDelayMs ?? 100;
  const maxConflicts = options.maxConflicts ?? 10;
  const watchTimeoutSeconds = options.watchTimeoutSeconds;
  const client: KubeObjectClient = createKubeObjectClient({
    kubeConfig: options.kubeConfig,
    fieldManager,
    retryDelayMs,
  });

  async function syncApplication(input: SyncApplicationInput): Promise<DeliveryOutcome> {
    const startedAtMs = Date.now();
    const deadlineMs = startedAtMs + input.timeoutMs;
    const ref: KubeRef = {
      apiVersion: APPLICATION_API_VERSION,
      kind: 'Application',
      namespace: input.namespace,
      name: input.name,
    };
    const fields = {
      namespace: input.namespace,
      application: input.name,
      revision: input.revision,
      observeOnly: input.observeOnly,
    };
    const emit = progressEmitter(input.onProgress);
    const short = shortRevision(input.revision);
    let last: ApplicationProgress = { state: 'waiting', reason: 'not started' };

    const observedOf = (p: ApplicationProgress) => ({ phase: p.phase, sync: p.sync, health: p.health });
    const report = (p: ApplicationProgress) => {
      last = p;
      emit({ ...observedOf(p), message: p.reason });
    };
    const stopped = (status: 'timeout' | 'aborted'): DeliveryOutcome =>
      status === 'timeout'
        ? {
            ok: false,
            timedOut: true,
            reason: `timed out after ${seconds(input.timeoutMs)}: ${last.reason}`,
            ...observedOf(last),
          }
        : { ok: false, aborted: true, reason: `aborted: ${last.reason}`, ...observedOf(last) };
    if (input.signal?.aborted) return stopped('aborted');

    // 1. The Application may not exist yet: an ApplicationSet generates it once, say, its cluster is registered.
    if (!(await client.get(ref))) {
      report({
        state: 'waiting',
        reason: `Application ${input.namespace}/${input.name} does not exist yet; waiting for it to be created (e.g. by an ApplicationSet)`,
      });
      log.info(fields, 'waiting for the Application to be created');
      const appeared = await waitForObject<KubeRecord>({
        client,
        ref,
        deadlineMs,
        signal: input.signal,
        retryDelayMs,
        watchTimeoutSeconds,
        check: (object) => (object ? { done: true, value: object } : { done: false }),
      });
      if (appeared.status !== 'done') return stopped(appeared.status);
    }

    // 2. Refresh, so Argo CD compares against the new commit now rather than at its next poll.
    let app: KubeRecord = await client.mergePatch(ref, {
      metadata: { annotations: { [REFRESH_ANNOTATION]: 'normal' } },
    });
    log.debug(fields, 'requested an Application refresh');

    let requireOperation = false;
    if (!input.observeOnly) {
      // 3. Set our operation only when none is in flight; adopt one that syncs (or already synced) our revision.
      let conflicts = 0;
      for (;;) {
        const running = runningOperation(app);
        if (running && operationIsFor(running, input.revision)) {
          log.info(fields, 'an operation for this revision is already in flight; observing it');
          break;
        }
        if (!running && alreadySyncedAt(app, input.revision)) {
          log.info(fields, 'an earlier operation already synced this revision; observing it');
          break;
        }
        if (running) {
          report({
            state: 'waiting',
            reason: `waiting for the running operation (${running.revisions.map(shortRevision).join(', ') || 'no revision'}) to finish before syncing ${short}`,
            phase: running.phase,
          });
          const idle = await waitForObject<KubeRecord>({
            client,
            ref,
            deadlineMs,
            signal: input.signal,
            retryDelayMs,
            watchTimeoutSeconds,
            initial: { object: app, resourceVersion: resourceVersionOf(app) },
            check: (object) => {
              const current = object ? runningOperation(object) : undefined;
              return object && (!current || operationIsFor(current, input.revision))
                ? { done: true, value: object }
                : { done: false };
            },
          });
          if (idle.status !== 'done') return stopped(idle.status);
          app = idle.value;
          continue;
        }
        const syncOptions = syncOptionsOf(app);
        const operation: Record<string, unknown> = {
          initiatedBy: { username: 'mergeplane', automated: false },
          sync: { revision: input.revision, prune: input.prune, ...(syncOptions ? { syncOptions } : {}) },
        };
        try {
          // The resourceVersion precondition makes this a compare-and-set: if anything (another worker's
          // operation included) changed the Application since we read it, the API server answers 409.
          app = await client.mergePatch(ref, {
            metadata: { resourceVersion: resourceVersionOf(app) },
            operation,
          });
          log.info({ ...fields, prune: input.prune }, 'set the sync operation');
          break;
        } catch (error) {
          if (!(error instanceof KubeTransientError && error.status === 409)) throw error;
          conflicts += 1;
          if (conflicts > maxConflicts) {
            throw new KubeTransientError(
              `patch Application ${input.namespace}/${input.name}: still conflicting after ${maxConflicts} attempts`,
              { status: 409, cause: error },
            );
          }
          const fresh = await client.get(ref);
          if (!fresh)
            throw new KubePermanentError(`Application ${input.namespace}/${input.name} was deleted`, {
              status: 404,
            });
          app = fresh;
        }
      }
      requireOperation = true;
    }

    // 4. Watch until the revision is synced and healthy, failed, or the time is up.
    const evaluate = (object: KubeRecord | undefined) => {
      const progress = evaluateApplicationProgress({
        app: object,
        revision: input.revision,
        requireOperation,
        startedAtMs,
        nowMs: Date.now(),
        degradedGraceMs: input.degradedGraceMs,
      });
      report(progress);
      return progress.state === 'waiting'
        ? { done: false as const, recheckAtMs: progress.recheckAtMs }
        : { done: true as const, value: progress };
    };
    const result = await waitForObject({
      client,
      ref,
      deadlineMs,
      signal: input.signal,
      retryDelayMs,
      watchTimeoutSeconds,
      initial: { object: app, resourceVersion: resourceVersionOf(app) },
      check: evaluate,
    });
    if (result.status !== 'done') {
      log.warn({ ...fields, status: result.status, last: last.reason }, 'Application sync did not finish');
      return stopped(result.status);
    }
    const final = result.value;
    const outcome: DeliveryOutcome = {
      ok: final.state === 'succeeded',
      reason: final.reason,
      ...observedOf(final),
    };
    log.info({ ...fields, ok: outcome.ok, reason: outcome.reason }, 'Application sync finished');
    return outcome;
  }

  /** The not-ready story of a claim: its conditions, its composite's (v1 claims), and composed resources not Ready. */
  async function claimDetails(
    claim: KubeRecord | undefined,
    readiness: ClaimReadiness,
    claimRef: KubeRef,
  ): Promise<string[]> {
    const details = [...readiness.details];
    if (!claim) return details;
    let composite: KubeRecord | undefined = claim;
    const compositeRef = compositeRefOf(claim);
    if (compositeRef) {
      composite = (await readQuietly(compositeRef, claimRef.namespace, details))?.object;
      if (composite) {
        const label = `${compositeRef.kind}/${compositeRef.name}`;
        for (const condition of conditionsOf(composite)) {
          if (condition.status !== 'True') details.push(`${label}: ${describeCondition(condition)}`);
        }
      }
    }
    // A v1 claim's composed resources are listed on its composite; some controllers also mirror them on the claim.
    const seen = new Set<string>();
    const refs = [
      ...composedResourceRefs(composite),
      ...(composite === claim ? [] : composedResourceRefs(claim)),
    ].filter((ref) => {
      const key = `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    for (const ref of refs.slice(0, MAX_COMPOSED_DETAILS)) {
      const read = await readQuietly(ref, claimRef.namespace, details);
      if (!read) continue;
      const problem = composedResourceProblem(read.ref, read.object);
      if (problem) details.push(problem);
    }
    if (refs.length > MAX_COMPOSED_DETAILS)
      details.push(`… and ${refs.length - MAX_COMPOSED_DETAILS} more composed resources`);
    return details;
  }

  /**
   * Reads an object for the details, in its own namespace, the claim's for namespaced kinds without one (v2), or
   * none for cluster scope. A read that fails adds a line instead of failing the delivery (undefined then).
   */
  async function readQuietly(
    ref: ObjectReference,
    claimNamespace: string | undefined,
    details: string[],
  ): Promise<{ ref: ObjectReference; object: KubeRecord | undefined } | undefined> {
    try {
      const { namespaced } = await client.resolve(ref.apiVersion, ref.kind);
      const namespace = namespaced ? (ref.namespace ?? claimNamespace) : undefined;
      const target: ObjectReference = {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        name: ref.name,
        ...(namespace ? { namespace } : {}),
      };
      return { ref: target, object: await client.get(target) };
    } catch (error) {
      if (!(error instanceof KubePermanentError || error instanceof KubeTransientError)) throw error;
      details.push(`${ref.kind}/${ref.name}: cannot read (${error.reason})`);
      return undefined;
    }
  }

  async function applyClaim(input: ApplyClaimInput): Promise<DeliveryOutcome> {
    const ref = refOf(input.object);
    const deadlineMs = Date.now() + input.timeoutMs;
    const emit = progressEmitter(input.onProgress);
    const fields = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      observeOnly: input.observeOnly,
    };
    let readiness: ClaimReadiness = { ready: false, reason: 'not started', details: [] };
    const report = (r: ClaimReadiness) => {
      readiness = r;
      emit({ sync: r.synced, health: r.readyStatus, message: r.reason });
    };
    if (input.signal?.aborted) return { ok: false, aborted: true, reason: 'aborted before applying' };

    let initial: { object: KubeRecord | undefined; resourceVersion: string } | undefined;
    if (!input.observeOnly) {
      const applied = await client.apply(applyBody(input.object));
      initial = { object: applied, resourceVersion: resourceVersionOf(applied) };
      const generation = metadataOf(applied).generation;
      log.info({ ...fields, generation }, 'applied the claim');
      emit({ message: `applied ${describeRef(ref)} (generation ${String(generation ?? '?')})` });
    }
    const result = await waitForObject<ClaimReadiness>({
      client,
      ref,
      deadlineMs,
      signal: input.signal,
      retryDelayMs,
      watchTimeoutSeconds,
      initial,
      check: (object) => {
        const evaluated = object
          ? evaluateClaimReadiness(object)
          : { ready: false, reason: `${describeRef(ref)} does not exist yet`, details: [] };
        report(evaluated);
        return evaluated.ready ? { done: true, value: evaluated } : { done: false };
      },
    });
    if (result.status === 'done') {
      log.info(fields, 'claim is ready');
      return {
        ok: true,
        reason: result.value.reason,
        sync: result.value.synced,
        health: result.value.readyStatus,
        details: [],
      };
    }
    const details = await claimDetails(result.object, readiness, ref);
    log.warn({ ...fields, status: result.status, reason: readiness.reason }, 'claim did not become ready');
    const base = { ok: false, sync: readiness.synced, health: readiness.readyStatus, details };
    return result.status === 'timeout'
      ? {
          ...base,
          timedOut: true,
          reason: `timed out after ${seconds(input.timeoutMs)}: ${readiness.reason}`,
        }
      : { ...base, aborted: true, reason: `aborted: ${readiness.reason}` };
  }

  async function waitClaimDeleted(input: WaitClaimDeletedInput): Promise<DeliveryOutcome> {
    const ref: KubeRef = { ...input.claim };
    const deadlineMs = Date.now() + input.timeoutMs;
    if (input.delete) {
      const deleted = await client.delete(ref);
      log.info({ ...ref, deleted }, 'deleted the claim');
    }
    const result = await waitForObject<true>({
      client,
      ref,
      deadlineMs,
      signal: input.signal,
      retryDelayMs,
      watchTimeoutSeconds,
      check: (object) => (object ? { done: false } : { done: true, value: true }),
    });
    if (result.status === 'done') return { ok: true, reason: `${describeRef(ref)} is deleted` };
    const metadata = metadataOf(result.object);
    const finalizers = Array.isArray(metadata.finalizers)
      ? metadata.finalizers.filter((f) => typeof f === 'string')
      : [];
    const state = [
      metadata.deletionTimestamp ? 'deletion in progress' : 'not being deleted',
      ...(finalizers.length > 0 ? [`finalizers: ${finalizers.join(', ')}`] : []),
    ].join('; ');
    const details = conditionsOf(result.object)
      .filter((condition) => condition.status !== 'True')
      .map(describeCondition);
    return result.status === 'timeout'
      ? {
          ok: false,
          timedOut: true,
          reason: `timed out after ${seconds(input.timeoutMs)}: ${describeRef(ref)} still exists (${state})`,
          details,
        }
      : { ok: false, aborted: true, reason: `aborted: ${describeRef(ref)} still exists (${state})`, details };
  }

  async function registerCluster(input: RegisterClusterInput): Promise<RegisteredCluster> {
    const key = input.connectionSecret.key ?? 'kubeconfig';
    const secretRef: KubeRef = {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: input.connectionSecret.namespace,
      name: input.connectionSecret.name,
    };
    const where = `connection secret ${input.connectionSecret.namespace}/${input.connectionSecret.name}`;
    const fields = {
      cluster: input.clusterName,
      claim: describeRef(input.claim),
      connectionSecret: describeRef(secretRef),
      key,
    };
    const encodedKubeconfig = (object: KubeRecord | undefined): string | undefined => {
      const data = object && isRecord(object.data) ? object.data : {};
      const value = data[key];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    // Crossplane writes connection details shortly after (not always before) the claim turns Ready.
    const found = await waitForObject<string>({
      client,
      ref: secretRef,
      deadlineMs: Date.now() + (input.timeoutMs ?? 30_000),
      signal: input.signal,
      retryDelayMs,
      watchTimeoutSeconds,
      check: (object) => {
        const value = encodedKubeconfig(object);
        return value ? { done: true, value } : { done: false };
      },
    });
    if (found.status === 'aborted') throw new KubeTransientError(`aborted while waiting for the ${where}`);
    if (found.status !== 'done') {
      const missing = found.object ? `has no "${key}" key` : 'does not exist';
      throw new KubePermanentError(`${where} ${missing}`, { status: found.object ? undefined : 404 });
    }
    let built: ReturnType<typeof buildArgoCdClusterSecret>;
    try {
      built = buildArgoCdClusterSecret({
        kubeconfigYaml: Buffer.from(found.value, 'base64').toString('utf8'),
        clusterName: input.clusterName,
        namespace: input.argocdNamespace,
        labels: input.labels,
        annotations: input.annotations,
        claim: input.claim,
      });
    } catch (error) {
      if (error instanceof ClusterKubeconfigError) {
        throw new KubePermanentError(`${where} key "${key}": ${error.message}`, { cause: error });
      }
      throw error;
    }
    const targetRef: KubeRef = {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: input.argocdNamespace,
      name: built.name,
    };
    const existing = await client.get(targetRef);
    assertManaged(existing, targetRef);
    await client.apply(built.secret);
    const created = existing === undefined;
    log.info(
      { ...fields, secret: describeRef(targetRef), server: built.server, auth: built.auth, created },
      'registered the cluster in Argo CD',
    );
    return { name: input.clusterName, server: built.server, created, secretName: built.name };
  }

  async function unregisterCluster(input: {
    clusterName: string;
    argocdNamespace: string;
  }): Promise<boolean> {
    const ref: KubeRef = {
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: input.argocdNamespace,
      name: clusterSecretName(input.clusterName),
    };
    const existing = await client.get(ref);
    if (!existing) return false;
    assertManaged(existing, ref);
    const deleted = await client.delete(ref);
    log.info(
      { cluster: input.clusterName, secret: describeRef(ref), deleted },
      'unregistered the cluster from Argo CD',
    );
    return deleted;
  }

  return { syncApplication, applyClaim, waitClaimDeleted, registerCluster, unregisterCluster };
}

/** A cluster Secret someone else made is theirs: never overwrite or delete it. */
function assertManaged(existing: KubeRecord | undefined, ref: KubeRef): void {
  if (!existing) return;
  const labels = metadataOf(existing).labels;
  if (!isRecord(labels) || labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    throw new KubePermanentError(
      `${describeRef(ref)} exists and is not managed by mergeplane (${MANAGED_BY_LABEL})`,
    );
  }
}
