import type { PlannedDrift } from './drift.ts';
/**
 * What happens after a merge, computed before anything is done (plan first, act second): ordered stages of
 * claim and sync targets. Plain JSON only — the plan is stored in the parent queue job's data.
 */

export interface ClaimRefData {
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped XRs. */
  namespace?: string;
  name: string;
}

/** The Argo CD cluster a ready claim becomes (or stops being, when the claim is deleted). */
export interface ClusterRegistration {
  clusterName: string;
  labels: Record<string, string>;
  connectionSecret: { namespace: string; name: string; key: string };
}

export interface ClaimTarget {
  type: 'claim';
  /** Unique within a plan; also the job id suffix: `claim-<namespace>-<name>-<kind>` (lower case). */
  key: string;
  claim: ClaimRefData;
  /**
   * apply: server-side apply the manifest from Git, then wait until ready; observe: Argo CD delivers it, only
   * wait; observe-deletion: wait until it is gone.
   */
  action: 'apply' | 'observe' | 'observe-deletion';
  /** The manifest at the merge commit (a stub with only its identity when the plan could not find it). */
  object: Record<string, unknown>;
  file?: string;
  line?: number;
  /** The Application whose source holds the claim (then Mergeplane never applies it). */
  ownedBy?: string;
  /** Register the claim's cluster once ready (create/update) or remove it (delete). */
  registerCluster?: ClusterRegistration;
  unregisterCluster?: { clusterName: string };
  /** observe-deletion of a claim Mergeplane applied (no app delivers it): delete it first. */
  deleteFirst?: boolean;
}

export interface SyncTarget {
  type: 'sync';
  /** Unique within a plan; also the job id suffix: `sync-<namespace>-<name>` (lower case). */
  key: string;
  app: { namespace: string; name: string };
  /** Wait for Argo CD to sync the merge commit by itself (automated apps) instead of starting a sync. */
  observeOnly: boolean;
  wave: number;
  /** Why the app is delivered: its plan status, or generated on a cluster a claim of this merge registers. */
  reason: 'changed' | 'added' | 'error' | 'cluster-target' | 'claim-owner';
  /** For cluster targets: the ApplicationSet that generates the app once the cluster is registered. */
  applicationSet?: string;
  /**
   * Multi-source apps: the revision of each `spec.sources` entry, in order — the merge SHA for sources in this
   * repository, the source's own `targetRevision` (default HEAD) for the others. Absent: single source.
   */
  revisions?: string[];
}

export type DeliveryTarget = ClaimTarget | SyncTarget;

export interface DeliveryStage {
  /** owner-apps: non-automated apps that deliver this merge's claims (they must sync before the claims can be observed). */
  kind: 'owner-apps' | 'claims' | 'apps';
  /** Argo CD sync wave of an `apps` stage. */
  wave?: number;
  /** app-of-apps depth of an `apps` stage (absent: top level); parents are delivered before their children. */
  level?: number;
  targets: DeliveryTarget[];
}

export interface DeliveryPlan {
  mergeSha: string;
  before: string;
  /**
   * The merge's place in the branch's history (`historyDepth`): which of two merges delivering the same target
   * is newer. Absent in plans stored before it existed (then the order the merges were seen in decides).
   */
  order?: number;
  stages: DeliveryStage[];
  /** What is deliberately not delivered (removed apps, unchanged claims) and why; for logs and the comment. */
  notes: string[];
  /**
   * The repository's drift settings at the merge, and what its default branch defines. Taken off the plan by the
   * parent job once recorded (it can be large), so stored jobs do not carry it.
   */
  drift?: PlannedDrift;
  /** Per-target timeouts and sync options resolved from the repository config at planning time. */
  options: {
    timeoutMs: number;
    degradedGraceMs: number;
    prune: boolean;
    argocdNamespace: string;
    /** The worker's kubeconfig context to deliver through (`delivery.kubeContext`); absent: its current one. */
    kubeContext?: string;
  };
}

/** The commit status context of a target: `mergeplane/claim: NS/NAME` (cluster-scoped: NAME), `mergeplane/sync: APP`. */
export function statusContext(target: DeliveryTarget): string {
  if (target.type === 'sync') return `mergeplane/sync: ${target.app.name}`;
  const { namespace, name } = target.claim;
  return `mergeplane/claim: ${namespace ? `${namespace}/${name}` : name}`;
}

export const DEPLOY_STATUS_CONTEXT = 'mergeplane/deploy';

/** A readable label for comments and reasons: `claim platform/prod-sa`, `app guestbook`. */
export function targetLabel(target: DeliveryTarget): string {
  if (target.type === 'sync') return `app ${target.app.name}`;
  const { namespace, name, kind } = target.claim;
  return `${kind} ${namespace ? `${namespace}/${name}` : name}`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.-]+/g, '_');
}

export function claimTargetKey(claim: ClaimRefData): string {
  return `claim-${slug(claim.namespace ?? '_')}-${slug(claim.name)}-${slug(claim.kind)}`;
}

export function syncTargetKey(app: { namespace: string; name: string }): string {
  return `sync-${slug(app.namespace)}-${slug(app.name)}`;
}

export function planTargets(plan: Pick<DeliveryPlan, 'stages'>): DeliveryTarget[] {
  return plan.stages.flatMap((stage) => stage.targets);
}
