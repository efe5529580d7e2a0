import { isRecord } from '../model/kube-object.ts';
import { shortRevision } from '../model/text.ts';

export type ProgressState = 'waiting' | 'succeeded' | 'failed';

export interface ApplicationProgressInput {
  /** The Application as read or watched; undefined when it does not exist (yet). */
  app: unknown;
  /** The revision that must be synced (the merge SHA). */
  revision: string;
  /**
   * Multi-source apps: the per-source revisions asked for, in the order of `spec.sources` — `revision` at the
   * sources in this repository. Argo CD then reports per-source `revisions`, matched at those positions only.
   */
  revisions?: readonly string[];
  /**
   * True when an operation for the revision was set (by us, or adopted from another worker): success then needs
   * `status.operationState` of that revision to have Succeeded. False when only observing (automated sync), where
   * Argo CD may find the app already in sync and run no operation at all.
   */
  requireOperation: boolean;
  /** When the delivery started; the health grace period counts from here or from the sync's end, if later. */
  startedAtMs: number;
  nowMs: number;
  /** How long Degraded/Missing health is waited out after the sync before it counts as a failure. */
  degradedGraceMs: number;
}

export interface ApplicationProgress {
  state: ProgressState;
  /** One line for people: what is awaited, or why it failed. */
  reason: string;
  phase?: string;
  sync?: string;
  health?: string;
  /** Waiting out the health grace: evaluate again at this time even if the Application does not change. */
  recheckAtMs?: number;
}

const RUNNING_PHASES = new Set(['Running', 'Terminating']);
const FAILED_PHASES = new Set(['Failed', 'Error']);
const UNHEALTHY = new Set(['Degraded', 'Missing']);

function record(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const entry = value[key];
  return isRecord(entry) ? entry : undefined;
}

function text(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const entry = value[key];
  return typeof entry === 'string' && entry !== '' ? entry : undefined;
}

/** `revision` plus the multi-source `revisions` of a sync spec or sync result. */
function revisionsOf(value: Record<string, unknown> | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  const single = text(value, 'revision');
  if (single) out.push(single);
  if (Array.isArray(value.revisions)) {
    for (const entry of value.revisions) if (typeof entry === 'string' && entry !== '') out.push(entry);
  }
  return out;
}

/** The per-source `revisions` of a multi-source sync spec, sync result or sync status, positions kept. */
function sourceRevisionsOf(value: Record<string, unknown> | undefined): string[] | undefined {
  if (!value || !Array.isArray(value.revisions)) return undefined;
  return value.revisions.map((entry) => (typeof entry === 'string' ? entry : ''));
}

function sameRevision(candidates: readonly string[], revision: string): boolean {
  const wanted = revision.toLowerCase();
  return candidates.some((candidate) => candidate.toLowerCase() === wanted);
}

/** The positions of `revisions` that hold `revision`: the sources in this repository. */
function ownPositions(revision: string, revisions: readonly string[]): number[] {
  return revisions.flatMap((entry, i) => (sameRevision([entry], revision) ? [i] : []));
}

/**
 * Whether per-source revisions Argo CD reports are the ones asked for: one per source, with `revision` at every
 * position of this repository's sources. The other sources (a Helm chart repository, another Git repository)
 * are not compared: Argo CD reports them resolved (a branch as its commit), not as written.
 */
function sameSourceRevisions(
  actual: readonly string[] | undefined,
  revision: string,
  revisions: readonly string[],
): boolean {
  if (!actual || actual.length !== revisions.length) return false;
  return ownPositions(revision, revisions).every((i) => sameRevision([actual[i] ?? ''], revision));
}

/** Whether a sync spec, sync result or sync status is at the wanted revision (per source for multi-source). */
function isAt(
  value: Record<string, unknown> | undefined,
  revision: string,
  revisions: readonly string[] | undefined,
): boolean {
  return revisions === undefined
    ? sameRevision(revisionsOf(value), revision)
    : sameSourceRevisions(sourceRevisionsOf(value), revision, revisions);
}

/**
 * What an operation state is about: the resolved `syncResult` once Argo CD has one, else what the operation
 * asked for.
 */
function operationStateSync(app: unknown): Record<string, unknown> | undefined {
  const operationState = record(record(app, 'status'), 'operationState');
  if (!operationState) return undefined;
  const resolved = record(operationState, 'syncResult');
  if (revisionsOf(resolved).length > 0) return resolved;
  return record(record(operationState, 'operation'), 'sync');
}

/**
 * The revision(s) an operation state is about: the resolved `syncResult` once Argo CD has one, else what
 * the operation asked for.
 */
export function operationStateRevisions(app: unknown): string[] {
  return revisionsOf(operationStateSync(app));
}

export interface RunningOperation {
  /** The revision(s) the running or pending operation syncs; empty when it does not say. */
  revisions: string[];
  /** Multi-source: its per-source `revisions`, in the order of `spec.sources`. */
  sourceRevisions?: string[];
  phase?: string;
}

/**
 * The operation in flight on an Application, if any: `.operation` is set (requested, not finished — Argo CD
 * removes it when the operation completes) or `status.operationState.phase` is Running/Terminating.
 */
export function runningOperation(app: unknown): RunningOperation | undefined {
  const pending = record(app, 'operation');
  const operationState = record(record(app, 'status'), 'operationState');
  const phase = text(operationState, 'phase');
  const running = phase !== undefined && RUNNING_PHASES.has(phase);
  if (!pending && !running) return undefined;
  const requested = pending ? record(pending, 'sync') : undefined;
  const sync = revisionsOf(requested).length > 0 ? requested : operationStateSync(app);
  const sourceRevisions = sourceRevisionsOf(sync);
  return { revisions: revisionsOf(sync), ...(sourceRevisions ? { sourceRevisions } : {}), phase };
}

/**
 * True when the running or pending operation syncs this revision; for a multi-source app (`revisions` given),
 * when it syncs one revision per source with this revision at this repository's sources.
 */
export function operationIsFor(
  operation: RunningOperation,
  revision: string,
  revisions?: readonly string[],
): boolean {
  return revisions === undefined
    ? sameRevision(operation.revisions, revision)
    : sameSourceRevisions(operation.sourceRevisions, revision, revisions);
}

/**
 * True when an earlier operation already synced this revision and the Application is still Synced at it:
 * another sync would only repeat it (and its hooks), e.g. when a second worker arrives after the first finished.
 */
export function alreadySyncedAt(app: unknown, revision: string, revisions?: readonly string[]): boolean {
  if (runningOperation(app)) return false;
  // With no source in this repository nothing ties an earlier operation to this merge: sync again.
  if (revisions !== undefined && ownPositions(revision, revisions).length === 0) return false;
  const status = record(app, 'status');
  const operationState = record(status, 'operationState');
  const sync = record(status, 'sync');
  return (
    text(operationState, 'phase') === 'Succeeded' &&
    isAt(operationStateSync(app), revision, revisions) &&
    text(sync, 'status') === 'Synced' &&
    isAt(sync, revision, revisions)
  );
}

function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The first error-like condition message (ComparisonError, InvalidSpecError...), to explain an Unknown sync. */
function conditionError(status: Record<string, unknown> | undefined): string | undefined {
  if (!status || !Array.isArray(status.conditions)) return undefined;
  for (const condition of status.conditions) {
    const type = text(condition, 'type');
    const message = text(condition, 'message');
    if (type?.endsWith('Error') && message) return `${type}: ${message}`;
  }
  return undefined;
}

function withMessage(base: string, message: string | undefined): string {
  return message ? `${base}: ${message}` : base;
}

/**
 * Where an Application stands for one revision. In order: the operation for that revision (Failed/Error fail at
 * once with Argo CD's message; Running waits), then `sync.status` Synced at that revision, then health: Healthy
 * succeeds, Progressing and others wait, Degraded/Missing fail only once the grace period has passed.
 */
export function evaluateApplicationProgress(input: ApplicationProgressInput): ApplicationProgress {
  const { app, revision, revisions } = input;
  const short = shortRevision(revision);
  if (!isRecord(app)) return { state: 'waiting', reason: 'the Application does not exist yet' };
  const status = record(app, 'status');
  const operationState = record(status, 'operationState');
  const phase = text(operationState, 'phase');
  const sync = text(record(status, 'sync'), 'status');
  const healthRecord = record(status, 'health');
  const health = text(healthRecord, 'status');
  const observed = { phase, sync, health };

  const running = runningOperation(app);
  const stateIsForRevision = isAt(operationStateSync(app), revision, revisions);
  if (running) {
    const forUs = operationIsFor(running, revision, revisions);
    const what = forUs
      ? `sync of ${short}`
      : `another operation (${running.revisions.map(shortRevision).join(', ') || 'no revision'})`;
    const where =
      running.phase && RUNNING_PHASES.has(running.phase) ? running.phase.toLowerCase() : 'requested';
    return {
      state: 'waiting',
      reason: withMessage(`${what} ${where}`, forUs ? text(operationState, 'message') : undefined),
      ...observed,
    };
  }
  if (stateIsForRevision && phase && FAILED_PHASES.has(phase)) {
    return {
      state: 'failed',
      reason: withMessage(`sync of ${short} ${phase}`, text(operationState, 'message')),
      ...observed,
    };
  }
  if (input.requireOperation && !(stateIsForRevision && phase === 'Succeeded')) {
    return { state: 'waiting', reason: `waiting for the sync operation of ${short}`, ...observed };
  }

  const syncRevisions = revisionsOf(record(status, 'sync'));
  if (sync !== 'Synced' || !isAt(record(status, 'sync'), revision, revisions)) {
    const at = syncRevisions.length > 0 ? ` at ${syncRevisions.map(shortRevision).join(', ')}` : '';
    return {
      state: 'waiting',
      reason: withMessage(
        `sync status ${sync ?? 'unknown'}${at}, waiting for Synced at ${short}`,
        conditionError(status),
      ),
      ...observed,
    };
  }

  if (health === 'Healthy') {
    return { state: 'succeeded', reason: `synced ${short} and healthy`, ...observed };
  }
  const healthMessage = text(healthRecord, 'message');
  if (health !== undefined && UNHEALTHY.has(health)) {
    // The grace counts from the sync's end when it finished after we started: resources often look
    // Degraded/Missing for a moment right after they are applied.
    const finishedAt = stateIsForRevision ? parseTime(text(operationState, 'finishedAt')) : undefined;
    const since = Math.max(input.startedAtMs, finishedAt ?? input.startedAtMs);
    const deadline = since + input.degradedGraceMs;
    if (input.nowMs >= deadline) {
      return { state: 'failed', reason: withMessage(`health ${health}`, healthMessage), ...observed };
    }
    return {
      state: 'waiting',
      reason: withMessage(`health ${health}, waiting out the grace period`, healthMessage),
      recheckAtMs: deadline,
      ...observed,
    };
  }
  return {
    state: 'waiting',
    reason: withMessage(`health ${health ?? 'unknown'}`, healthMessage),
    ...observed,
  };
}
