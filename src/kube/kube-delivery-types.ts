/** The inputs and outcomes of the Kubernetes side of delivery, shared by its operations and their callers. */

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
  /**
   * Multi-source apps: one revision per `spec.sources` entry, in order (`revision` at this repository's
   * sources). Synced as `operation.sync.revisions` and matched per source instead of `revision`.
   */
  revisions?: string[];
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

export interface UnregisterClusterInput {
  clusterName: string;
  argocdNamespace: string;
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
  unregisterCluster(input: UnregisterClusterInput): Promise<boolean>;
}

/** pino's shape; Probot's logger and `pino()` satisfy it. */
export interface KubeDeliveryLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}
