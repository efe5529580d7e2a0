import type { MergeplaneConfig } from '../config/mergeplane-config.ts';
import { registeredCluster } from '../crossplane/cluster-targets.ts';
import {
  type ClaimTarget,
  type ClusterRegistration,
  claimTargetKey,
  type DeliveryPlan,
  type DeliveryStage,
  type SyncTarget,
  syncTargetKey,
} from '../model/delivery-plan.ts';
import type { AppReport, ClaimReport } from '../model/plan-report.ts';

/** What delivery needs to know of one Application at the merge commit. */
export interface DeliveryApp {
  namespace: string;
  name: string;
  /** `argocd.argoproj.io/sync-wave` (default 0). */
  wave: number;
  /** `spec.syncPolicy.automated` is set (and not disabled). */
  automated: boolean;
  /** Source paths in this repository; a directory source without `recurse` reads only the top level. */
  sourcePaths: { path: string; recurse: boolean }[];
  /** The app-of-apps parent that renders this Application, if any. */
  parent?: string;
  /** Multi-source apps: each of `spec.sources` in order (absent for a single `spec.source`). */
  sources?: { thisRepo: boolean; targetRevision?: string }[];
}

export interface BuildDeliveryStagesInput {
  mergeSha: string;
  before: string;
  apps: readonly Pick<AppReport, 'name' | 'namespace' | 'status'>[];
  claims: readonly ClaimReport[];
  /** Every tracked Application at the merge commit. */
  headApps: readonly DeliveryApp[];
  /** Applications that cluster targets will create once a claim's cluster is registered, by name. */
  generatedApps?: readonly DeliveryApp[];
  /** The claim's manifest at the merge commit (at `before` for a deleted claim), if found. */
  claimObject: (claim: ClaimReport) => Record<string, unknown> | undefined;
  config: Pick<MergeplaneConfig, 'delivery' | 'crossplane'>;
}

// A renamed app is a new Application to Argo CD: synced as an added one.
const DELIVERED_STATUSES = new Set<AppReport['status']>(['changed', 'added', 'renamed', 'error']);

function byKey<T extends { key: string }>(a: T, b: T): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function normalizePath(path: string): string {
  return path.replace(/^\.\/+/, '').replace(/\/+$/, '');
}

/** Whether Argo CD reads `file` through this source (the claim is then delivered by that app). */
function sourceReads(source: DeliveryApp['sourcePaths'][number], file: string): boolean {
  const dir = normalizePath(source.path);
  if (dir === '' || dir === '.') return source.recurse || !file.includes('/');
  if (!file.startsWith(`${dir}/`)) return false;
  return source.recurse || !file.slice(dir.length + 1).includes('/');
}

function ownerOf(claim: ClaimReport, headApps: readonly DeliveryApp[]): DeliveryApp | undefined {
  if (claim.file === undefined) return undefined;
  const file = normalizePath(claim.file);
  return headApps.find((app) => app.sourcePaths.some((source) => sourceReads(source, file)));
}

function clusterRegistration(
  claim: ClaimReport,
  object: Record<string, unknown> | undefined,
  crossplane: MergeplaneConfig['crossplane'],
): ClusterRegistration {
  const cluster = object ? registeredCluster(object) : undefined;
  const namespace = claim.connectionSecret?.namespace ?? claim.namespace;
  return {
    clusterName: claim.cluster?.name ?? (cluster?.entry.name || claim.name),
    labels: { ...crossplane.clusterLabels, ...(cluster?.entry.labels ?? {}) },
    connectionSecret: {
      namespace,
      name: claim.connectionSecret?.name ?? crossplane.connectionSecretName.replaceAll('{name}', claim.name),
      key: crossplane.connectionSecretKey,
    },
  };
}

function claimStub(claim: ClaimReport): Record<string, unknown> {
  return {
    apiVersion: claim.apiVersion,
    kind: claim.kind,
    metadata: { name: claim.name, ...(claim.namespace ? { namespace: claim.namespace } : {}) },
  };
}

/**
 * Orders what a merge delivers: apps Mergeplane must sync because they carry changed claims, then the claims
 * (applied, observed, or observed until deleted; clusters registered), then the affected apps by Argo CD sync
 * wave (ascending; app-of-apps parents before their children) — including the apps ApplicationSets generate
 * on a cluster registered in the claims stage.
 * Claims come before apps because apps may read a claim's connection Secret.
 */
export function buildDeliveryStages(input: BuildDeliveryStagesInput): DeliveryPlan {
  const { delivery, crossplane } = input.config;
  const notes: string[] = [];
  const headByKey = new Map(input.headApps.map((app) => [`${app.namespace}/${app.name}`, app]));
  const observeOnly = (app: DeliveryApp): boolean =>
    !delivery.sync || (app.automated && !delivery.syncAutomated);
  const parents = new Map<string, string>();
  const syncTarget = (
    app: DeliveryApp,
    reason: SyncTarget['reason'],
    applicationSet?: string,
  ): SyncTarget => {
    if (app.parent !== undefined) parents.set(app.name, app.parent);
    return {
      type: 'sync',
      key: syncTargetKey(app),
      app: { namespace: app.namespace, name: app.name },
      observeOnly: observeOnly(app),
      wave: app.wave,
      reason,
      ...(applicationSet !== undefined ? { applicationSet } : {}),
      ...(app.sources ? { revisions: sourceRevisions(app.sources, input.mergeSha) } : {}),
    };
  };

  const appTargets = new Map<string, SyncTarget>();
  for (const report of input.apps) {
    if (report.status === 'removed') {
      notes.push(`app ${report.name} was removed: nothing to sync (Argo CD prunes it through its parent)`);
      continue;
    }
    if (!DELIVERED_STATUSES.has(report.status)) continue;
    const app = headByKey.get(`${report.namespace}/${report.name}`);
    if (!app) {
      notes.push(`app ${report.name} has no Application at the merge commit: not synced`);
      continue;
    }
    const target = syncTarget(
      app,
      (report.status === 'renamed' ? 'added' : report.status) as SyncTarget['reason'],
    );
    appTargets.set(target.key, target);
  }

  const claimTargets: ClaimTarget[] = [];
  const ownerTargets = new Map<string, SyncTarget>();
  for (const claim of input.claims) {
    // A deferred claim is unchanged itself: it waits on its pinned Composition revision, nothing to apply.
    if (claim.action === 'unchanged' || claim.action === 'deferred') continue;
    const object = input.claimObject(claim);
    const owner = claim.action === 'delete' ? undefined : ownerOf(claim, input.headApps);
    if (owner && !observeOnly(owner)) {
      const target = syncTarget(owner, 'claim-owner');
      ownerTargets.set(target.key, target);
    }
    const planned = claimTarget(claim, object, owner, input.headApps, crossplane);
    claimTargets.push(planned.target);
    if (planned.note) notes.push(planned.note);
  }

  // Apps ApplicationSets generate on a cluster registered above: they exist only after the claims stage.
  const generated = new Map((input.generatedApps ?? []).map((app) => [app.name, app]));
  for (const claim of input.claims) {
    if (!claim.registersCluster || (claim.action !== 'create' && claim.action !== 'update')) continue;
    for (const { applicationSet, apps } of claim.clusterTargets ?? []) {
      for (const name of apps) {
        const app = generated.get(name) ?? {
          namespace: delivery.argocdNamespace,
          name,
          wave: 0,
          automated: false,
          sourcePaths: [],
        };
        const target = syncTarget(app, 'cluster-target', applicationSet);
        if (!appTargets.has(target.key)) appTargets.set(target.key, target);
      }
    }
  }
  for (const key of ownerTargets.keys()) appTargets.delete(key);

  const stages: DeliveryStage[] = [];
  if (ownerTargets.size > 0)
    stages.push({ kind: 'owner-apps', targets: [...ownerTargets.values()].sort(byKey) });
  if (claimTargets.length > 0) stages.push({ kind: 'claims', targets: claimTargets.sort(byKey) });
  stages.push(...appStages(appTargets, parents));
  return {
    mergeSha: input.mergeSha,
    before: input.before,
    stages,
    notes,
    options: {
      timeoutMs: delivery.timeoutSeconds * 1000,
      degradedGraceMs: delivery.degradedGraceSeconds * 1000,
      prune: delivery.prune,
      argocdNamespace: delivery.argocdNamespace,
      ...(delivery.kubeContext !== undefined ? { kubeContext: delivery.kubeContext } : {}),
    },
  };
}

/** The claims stage entry of one changed claim: applied, observed (Argo CD delivers it), or observed until deleted. */
function claimTarget(
  claim: ClaimReport,
  object: Record<string, unknown> | undefined,
  owner: DeliveryApp | undefined,
  headApps: readonly DeliveryApp[],
  crossplane: BuildDeliveryStagesInput['config']['crossplane'],
): { target: ClaimTarget; note?: string } {
  const ref = {
    apiVersion: claim.apiVersion,
    kind: claim.kind,
    ...(claim.namespace ? { namespace: claim.namespace } : {}),
    name: claim.name,
  };
  const location = {
    ...(claim.file !== undefined ? { file: claim.file } : {}),
    ...(claim.line !== undefined ? { line: claim.line } : {}),
  };
  if (claim.action === 'delete') {
    const registration = claim.registersCluster ? clusterRegistration(claim, object, crossplane) : undefined;
    // Argo CD prunes a claim it delivered; one Mergeplane applied is Mergeplane's to delete.
    const deleteFirst = claim.file !== undefined && ownerOf(claim, headApps) === undefined;
    return {
      target: {
        type: 'claim',
        key: claimTargetKey(ref),
        claim: ref,
        action: 'observe-deletion',
        ...(deleteFirst ? { deleteFirst } : {}),
        object: object ?? claimStub(claim),
        ...location,
        ...(registration ? { unregisterCluster: { clusterName: registration.clusterName } } : {}),
      },
    };
  }
  // A claim rendered by an app (no repository file of its own) is delivered by Argo CD, like one in an app's path.
  const owned = owner !== undefined || claim.file === undefined;
  return {
    target: {
      type: 'claim',
      key: claimTargetKey(ref),
      claim: ref,
      action: owned ? 'observe' : 'apply',
      object: object ?? claimStub(claim),
      ...location,
      ...(owner ? { ownedBy: owner.name } : {}),
      ...(claim.registersCluster ? { registerCluster: clusterRegistration(claim, object, crossplane) } : {}),
    },
    ...(!owned && !object
      ? { note: `claim ${claim.namespace}/${claim.name}: manifest not found at the merge commit` }
      : {}),
  };
}

/**
 * The apps stages: a parent app (app-of-apps) writes its children's Application objects, so it goes first, then
 * its children, each level by sync wave.
 */
function appStages(
  appTargets: ReadonlyMap<string, SyncTarget>,
  parents: ReadonlyMap<string, string>,
): DeliveryStage[] {
  const byName = new Map([...appTargets.values()].map((t) => [t.app.name, t]));
  const levelOf = (target: SyncTarget, seen = new Set<string>()): number => {
    const parent = parents.get(target.app.name);
    const parentTarget = parent === undefined ? undefined : byName.get(parent);
    if (!parentTarget || seen.has(target.app.name)) return 0;
    seen.add(target.app.name);
    return levelOf(parentTarget, seen) + 1;
  };
  const groups = new Map<string, { level: number; wave: number; targets: SyncTarget[] }>();
  for (const target of appTargets.values()) {
    const level = levelOf(target);
    const id = `${level}/${target.wave}`;
    const group = groups.get(id) ?? { level, wave: target.wave, targets: [] };
    group.targets.push(target);
    groups.set(id, group);
  }
  const ordered = [...groups.values()].sort((a, b) => a.level - b.level || a.wave - b.wave);
  return ordered.map((group) => ({
    kind: 'apps',
    wave: group.wave,
    ...(group.level > 0 ? { level: group.level } : {}),
    targets: group.targets.sort(byKey),
  }));
}

/** A multi-source app's sync revisions: the merge for this repository's sources, the others as written. */
function sourceRevisions(sources: NonNullable<DeliveryApp['sources']>, mergeSha: string): string[] {
  return sources.map((source) => (source.thisRepo ? mergeSha : source.targetRevision || 'HEAD'));
}

/** `argocd.argoproj.io/sync-wave` as Argo CD reads it: an integer, default 0. */
export function syncWave(annotations: Record<string, string>): number {
  const value = annotations['argocd.argoproj.io/sync-wave'];
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return 0;
  return Number.parseInt(value, 10);
}
