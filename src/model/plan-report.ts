/** The one report model: JSON output is this object, Markdown is rendered from it. Contract: DESIGN.md "JSON report". */
export type AppStatus = 'changed' | 'added' | 'removed' | 'renamed' | 'unchanged' | 'error';
export type ResourceAction = 'create' | 'update' | 'delete';
export type SourceType = 'directory' | 'kustomize' | 'helm' | 'multi' | 'plugin' | 'unknown';
export type GateStatus = 'pass' | 'fail' | 'needs-approval';

export interface ResourceChange {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  action: ResourceAction;
  /** Unified diff of the normalized, redacted YAML. */
  diff: string;
  /** Set when Argo CD runs the object as a hook (`PreSync`, `PostSync`…) instead of applying it with the rest. */
  hook?: string;
  /**
   * A delete and a create that are one object renamed or re-kinded (similarity in percent, see DESIGN/README):
   * the create's diff is then from the deleted object; the delete's diff is left out of the comment.
   */
  pairedWith?: ResourceRef & { similarity: number };
}

export interface ResourceRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface AppReport {
  name: string;
  namespace: string;
  project: string;
  origin: string;
  destination: { server?: string; name?: string; namespace?: string };
  sourceType: SourceType;
  status: AppStatus;
  error?: string;
  /** Present only when status is not `unchanged`. */
  resources?: ResourceChange[];
  /**
   * Kinds of the head render with no schema to validate them against (no bundled Kubernetes schema, no CRD in the
   * repository or the plan), as `Kind (apiVersion)`: named, never a failure. Present only when some are.
   */
  notValidated?: string[];
  /** Rendered objects Argo CD does not apply (Helm test hooks, `Skip` hooks), as `Kind ns/name (annotation)`; not diffed. */
  notApplied?: string[];
  /** Unified diff of the Application (or generated Application) definition itself, when it changed. */
  definition?: string;
  /** Changed lines of the resource diffs (`+added|−removed`); present when status is not `unchanged`. */
  lines?: { added: number; removed: number };
  /** The app-of-apps parents that create this app, outermost first. */
  parents?: string[];
  /** Status `renamed`: the app's previous name (same rendered resources under a new Application name). */
  renamedFrom?: string;
  /** The Application's file at base, when the change moved it to another file. */
  movedFrom?: string;
  /** An unchanged app whose Application file the change edited without changing the definition (comments, formatting). */
  fileChanged?: boolean;
  /** The head render against what the cluster holds (`plan.live`, the App with Argo CD access only). */
  live?: LiveView;
}

/** What applying the head render would do to one live object (`not-compared`: see `reason`). */
export type LiveAction = 'create' | 'update' | 'identical' | 'not-compared';

export interface LiveResource {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  action: LiveAction;
  /** `update`: unified diff from the live object (the fields the render sets) to the head render. */
  diff?: string;
  reason?: string;
}

export interface LiveView {
  /**
   * Where the live objects were read: Argo CD's view of the app (its own normalisation applied), or — for an app
   * the change adds, which Argo CD does not know yet — its destination cluster, read directly.
   */
  source: 'argocd' | 'cluster';
  /** `cluster`: the destination as Argo CD names it (its cluster name, else its server URL). */
  cluster?: string;
  /** Why there is no comparison (Argo CD unreachable, the app not known to it); `resources` is then empty. */
  note?: string;
  resources: LiveResource[];
}

export interface ComposedResourcePlan {
  apiVersion: string;
  kind: string;
  name: string;
  /**
   * create, update, delete, orphan, unknown, deferred, or `blocked`: an update of an immutable field (per the
   * provider CRD's CEL rules), whose field entries carry `immutable: true`. Crossplane never replaces a managed
   * resource: the API server rejects that update and the resource stays not synced until it is deleted by hand.
   */
  action: string;
  fields: unknown;
}

/** An ApplicationSet whose clusters generator targets a cluster a claim registers, and the apps it adds. */
export interface ClusterTarget {
  applicationSet: string;
  apps: string[];
}

export interface ClaimReport {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** `deferred`: the claim itself is unchanged, but pinned to its current Composition revision (see `deferred`). */
  action: 'create' | 'update' | 'delete' | 'unchanged' | 'deferred';
  composition?: string;
  composed: ComposedResourcePlan[];
  /**
   * The claim/XR stays on its current CompositionRevision (Manual update policy, or a revision selector the new
   * revision does not match): why, and the composed changes it will get when it moves to the new revision.
   */
  deferred?: {
    reason: string;
    composed: ComposedResourcePlan[];
    summary?: { add: number; change: number; destroy: number; blocked?: number };
    notes?: string[];
  };
  destructive: boolean;
  /** Some composed resource's update changes an immutable field: the provider will reject it (needs approval). */
  blocked?: boolean;
  /** Repository file (and 1-based line) of the claim at head, or at base when it is removed. */
  file?: string;
  line?: number;
  /**
   * Terraform-style counts of the composed resources; orphaned resources are not destroyed, `blocked` updates
   * are rejected by the API server.
   */
  summary?: { add: number; change: number; destroy: number; blocked?: number };
  /** Where the connection details land (v1 `writeConnectionSecretToRef`; v2: a composed Secret). */
  connectionSecret?: { namespace: string; name: string };
  /** Workloads reading that Secret, e.g. `Deployment commerce/order-service`. */
  consumers?: string[];
  /** The claim yields a cluster Mergeplane registers with Argo CD once it is ready. */
  registersCluster?: boolean;
  /** The Argo CD cluster the claim registers; `server` is absent while it is known only after apply. */
  cluster?: { name: string; server?: string };
  /** ApplicationSets that will generate apps on that cluster (empty: none targets it). */
  clusterTargets?: ClusterTarget[];
  /** What could not be predicted or is doubtful: unsupported steps, ambiguous selection, environment. */
  notes?: string[];
}

export interface GateResult {
  id: string;
  status: GateStatus;
  message: string;
  app?: string;
  file?: string;
  line?: number;
}

export interface PlanSummary {
  apps: Record<Exclude<AppStatus, never>, number>;
  resources: Record<ResourceAction, number>;
}

export interface PlanReport {
  version: 1;
  base: string;
  head: string;
  summary: PlanSummary;
  apps: AppReport[];
  claims: ClaimReport[];
  gates: GateResult[];
}
