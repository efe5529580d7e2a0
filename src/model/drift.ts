import { isRecord } from './kube-object.ts';

/** What the default branch defines, as its last delivery plan saw it: the drift check compares the cluster with it. */
export interface DriftDefinitions {
  /** The default branch's commit those definitions are from. */
  sha: string;
  branch: string;
  apps: DriftApp[];
  claims: DriftClaim[];
}

export interface DriftApp {
  namespace: string;
  name: string;
  /** Whether a source from this repository follows the branch (`HEAD` or its name), so its revision must be the head. */
  tracksBranch: boolean;
}

export interface DriftClaim {
  apiVersion: string;
  kind: string;
  /** Absent for a cluster-scoped XR. */
  namespace?: string;
  name: string;
}

/** One app or claim that departs from the default branch, and why. */
export interface DriftItem {
  /** `app:NS/NAME` or `claim:KIND NS/NAME`: stable between checks, so "since" carries over. */
  key: string;
  kind: 'app' | 'claim';
  /** `NS/NAME` of the Application, or `Kind NS/NAME` of the claim. */
  label: string;
  namespace: string;
  name: string;
  reasons: string[];
  /** When a check first saw this item drifted (ISO 8601). */
  since: string;
}

export const appKey = (app: { namespace: string; name: string }): string =>
  `app:${app.namespace}/${app.name}`;
export const claimKey = (claim: DriftClaim): string =>
  `claim:${claim.kind} ${claim.namespace === undefined ? '' : `${claim.namespace}/`}${claim.name}`;

const SHA = /^[0-9a-f]{40}$/;

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const short = (sha: string): string => sha.slice(0, 7);

/**
 * Why a live Application departs from the default branch at `head`: not in the cluster or OutOfSync while no
 * delivery of this repository is pending, Degraded or Missing, or an Argo CD operation running — or started by hand — at a
 * revision other than the branch head. Empty: in sync.
 */
export function appDriftReasons(
  app: DriftApp,
  live: Record<string, unknown> | undefined,
  o: { head: string; deliveryPending: boolean },
): string[] {
  if (live === undefined) {
    return o.deliveryPending ? [] : ['not in the cluster: Argo CD has no such Application'];
  }
  const reasons: string[] = [];
  const sync = text(at(live, 'status', 'sync', 'status'));
  if (sync === 'OutOfSync' && !o.deliveryPending) reasons.push('OutOfSync, and no delivery is pending');
  const health = text(at(live, 'status', 'health', 'status'));
  if (health === 'Degraded' || health === 'Missing') {
    const message = text(at(live, 'status', 'health', 'message'));
    reasons.push(message === undefined ? health : `${health}: ${message.slice(0, 200)}`);
  }
  const operation = at(live, 'status', 'operationState');
  const revision =
    text(at(operation, 'operation', 'sync', 'revision')) ?? text(at(operation, 'syncResult', 'revision'));
  const running = text(at(operation, 'phase')) === 'Running';
  const byHand = text(at(operation, 'operation', 'initiatedBy', 'username')) !== undefined;
  if (
    app.tracksBranch &&
    revision !== undefined &&
    SHA.test(revision) &&
    revision !== o.head &&
    (running || byHand)
  ) {
    reasons.push(
      `${running ? 'an Argo CD operation is syncing' : 'the last sync (started by hand) was at'} ${short(revision)}, not the branch head ${short(o.head)}`,
    );
  }
  return reasons;
}

/**
 * Why a live claim or XR departs from the default branch: not in the cluster, or its Synced or Ready condition not
 * True. Nothing while a delivery is pending: a claim the merge adds or changes is still being provisioned, and the
 * delivery reports its readiness itself.
 */
export function claimDriftReasons(
  live: Record<string, unknown> | undefined,
  o: { deliveryPending: boolean },
): string[] {
  if (o.deliveryPending) return [];
  if (live === undefined) return ['not in the cluster'];
  const conditions = at(live, 'status', 'conditions');
  const list = Array.isArray(conditions) ? conditions.filter(isRecord) : [];
  const reasons: string[] = [];
  for (const type of ['Synced', 'Ready']) {
    const condition = list.find((c) => c.type === type);
    if (condition?.status === 'True') continue;
    const why = [text(condition?.reason), text(condition?.message)?.slice(0, 200)].filter(
      (p) => p !== undefined,
    );
    reasons.push(
      `not ${type}${why.length > 0 ? `: ${why.join(' — ')}` : condition === undefined ? ' (no condition yet)' : ''}`,
    );
  }
  return reasons;
}

/**
 * The drifted items of one check, each with the time it was first seen drifted: carried over from the previous
 * check's `since` while it stays drifted, `now` when it is new.
 */
export function driftItems(o: {
  definitions: DriftDefinitions;
  liveApps: ReadonlyMap<string, Record<string, unknown> | undefined>;
  liveClaims: ReadonlyMap<string, Record<string, unknown> | undefined>;
  deliveryPending: boolean;
  since: Readonly<Record<string, string>>;
  now: Date;
  /** Items the check could not read, with why: named as such, never taken for in sync. */
  unreadable?: ReadonlyMap<string, string>;
}): DriftItem[] {
  const unreadable = (key: string): string[] | undefined => {
    const why = o.unreadable?.get(key);
    return why === undefined ? undefined : [`could not be read: ${why}`];
  };
  const items: DriftItem[] = [];
  const sinceOf = (key: string) => o.since[key] ?? o.now.toISOString();
  for (const app of o.definitions.apps) {
    const key = appKey(app);
    const reasons =
      unreadable(key) ??
      appDriftReasons(app, o.liveApps.get(key), {
        head: o.definitions.sha,
        deliveryPending: o.deliveryPending,
      });
    if (reasons.length === 0) continue;
    const label = `${app.namespace}/${app.name}`;
    items.push({
      key,
      kind: 'app',
      label,
      namespace: app.namespace,
      name: app.name,
      reasons,
      since: sinceOf(key),
    });
  }
  for (const claim of o.definitions.claims) {
    const key = claimKey(claim);
    const reasons =
      unreadable(key) ?? claimDriftReasons(o.liveClaims.get(key), { deliveryPending: o.deliveryPending });
    if (reasons.length === 0) continue;
    const label = `${claim.kind} ${claim.namespace === undefined ? '' : `${claim.namespace}/`}${claim.name}`;
    items.push({
      key,
      kind: 'claim',
      label,
      namespace: claim.namespace ?? '',
      name: claim.name,
      reasons,
      since: sinceOf(key),
    });
  }
  return items;
}

/** A merge's drift settings and definitions, as its delivery plan carries them. */
export interface PlannedDrift {
  enabled: boolean;
  intervalMinutes: number;
  definitions: DriftDefinitions;
}

/**
 * Keeps what the default branch defines for the drift check and (un)schedules it per the merge's config
 * (`kubeContext`: the repository's `delivery.kubeContext`).
 */
export type DriftRecorder = (
  repo: { installationId: number; owner: string; repo: string },
  drift: PlannedDrift,
  kubeContext: string | undefined,
) => Promise<void>;
