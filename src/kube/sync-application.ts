import { isRecord } from '../model/kube-object.ts';
import { shortRevision } from '../model/text.ts';
import {
  type ApplicationProgress,
  alreadySyncedAt,
  evaluateApplicationProgress,
  operationIsFor,
  runningOperation,
} from './application-progress.ts';
import {
  type KubeDeliveryContext,
  progressEmitter,
  resourceVersionOf,
  stoppedOutcome,
} from './kube-delivery-context.ts';
import type { DeliveryOutcome, SyncApplicationInput } from './kube-delivery-types.ts';
import { KubePermanentError, KubeTransientError } from './kube-errors.ts';
import type { KubeRecord, KubeRef } from './kube-object-client.ts';

const APPLICATION_API_VERSION = 'argoproj.io/v1alpha1';
const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

function syncOptionsOf(app: KubeRecord): string[] | undefined {
  const spec = isRecord(app.spec) ? app.spec : {};
  const policy = isRecord(spec.syncPolicy) ? spec.syncPolicy : {};
  if (!Array.isArray(policy.syncOptions)) return undefined;
  const options = policy.syncOptions.filter((option): option is string => typeof option === 'string');
  return options.length > 0 ? options : undefined;
}

const observedOf = (p: ApplicationProgress) => ({ phase: p.phase, sync: p.sync, health: p.health });

/** One sync being run: its Application, input, log fields, deadline and progress reporting. */
interface SyncRun {
  context: KubeDeliveryContext;
  input: SyncApplicationInput;
  ref: KubeRef;
  fields: Record<string, unknown>;
  deadlineMs: number;
  report: (p: ApplicationProgress) => void;
}

/** Waits for an Application that does not exist yet (an ApplicationSet generates it, say, once its cluster is registered). */
async function awaitApplication(run: SyncRun): Promise<'done' | 'timeout' | 'aborted'> {
  const { context, input, ref } = run;
  if (await context.client.get(ref)) return 'done';
  run.report({
    state: 'waiting',
    reason: `Application ${input.namespace}/${input.name} does not exist yet; waiting for it to be created (e.g. by an ApplicationSet)`,
  });
  context.log.info(run.fields, 'waiting for the Application to be created');
  const appeared = await context.waitFor<KubeRecord>({
    ref,
    deadlineMs: run.deadlineMs,
    signal: input.signal,
    check: (object) => (object ? { done: true, value: object } : { done: false }),
  });
  return appeared.status;
}

/**
 * Step 3: sets Mergeplane's sync operation only when none is in flight, as a compare-and-set on the
 * resourceVersion (409 conflicts retried); adopts one that syncs, or already synced, the merge revision.
 */
async function setSyncOperation(
  run: SyncRun,
  current: KubeRecord,
): Promise<{ app: KubeRecord } | { stopped: 'timeout' | 'aborted' }> {
  const { context, input, ref, fields, deadlineMs, report } = run;
  const { client, log, maxConflicts } = context;
  const short = shortRevision(input.revision);
  let app = current;
  // 3. Set our operation only when none is in flight; adopt one that syncs (or already synced) our revision.
  let conflicts = 0;
  for (;;) {
    const running = runningOperation(app);
    if (running && operationIsFor(running, input.revision, input.revisions)) {
      log.info(fields, 'an operation for this revision is already in flight; observing it');
      return { app };
    }
    if (!running && alreadySyncedAt(app, input.revision, input.revisions)) {
      log.info(fields, 'an earlier operation already synced this revision; observing it');
      return { app };
    }
    if (running) {
      report({
        state: 'waiting',
        reason: `waiting for the running operation (${running.revisions.map(shortRevision).join(', ') || 'no revision'}) to finish before syncing ${short}`,
        phase: running.phase,
      });
      const idle = await context.waitFor<KubeRecord>({
        ref,
        deadlineMs,
        signal: input.signal,
        initial: { object: app, resourceVersion: resourceVersionOf(app) },
        check: (object) => {
          const current = object ? runningOperation(object) : undefined;
          return object && (!current || operationIsFor(current, input.revision, input.revisions))
            ? { done: true, value: object }
            : { done: false };
        },
      });
      if (idle.status !== 'done') return { stopped: idle.status };
      app = idle.value;
      continue;
    }
    const syncOptions = syncOptionsOf(app);
    // A multi-source app takes one revision per source (`revisions`); Argo CD ignores `revision` there.
    const target = input.revisions ? { revisions: input.revisions } : { revision: input.revision };
    const operation: Record<string, unknown> = {
      initiatedBy: { username: 'mergeplane', automated: false },
      sync: { ...target, prune: input.prune, ...(syncOptions ? { syncOptions } : {}) },
    };
    try {
      // The resourceVersion precondition makes this a compare-and-set: if anything (another worker's
      // operation included) changed the Application since we read it, the API server answers 409.
      app = await client.mergePatch(ref, {
        metadata: { resourceVersion: resourceVersionOf(app) },
        operation,
      });
      log.info({ ...fields, prune: input.prune }, 'set the sync operation');
      return { app };
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
}

/** Syncs an Argo CD Application to the merge revision (or observes an automated one) until synced and healthy. */
export function createSyncApplication(
  context: KubeDeliveryContext,
): (input: SyncApplicationInput) => Promise<DeliveryOutcome> {
  const { client, log, maxConflicts } = context;

  return async function syncApplication(input: SyncApplicationInput): Promise<DeliveryOutcome> {
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
      ...(input.revisions ? { revisions: input.revisions } : {}),
      observeOnly: input.observeOnly,
    };
    const emit = progressEmitter(input.onProgress);
    let last: ApplicationProgress = { state: 'waiting', reason: 'not started' };

    const report = (p: ApplicationProgress) => {
      last = p;
      emit({ ...observedOf(p), message: p.reason });
    };
    const stopped = (status: 'timeout' | 'aborted'): DeliveryOutcome => ({
      ok: false,
      ...stoppedOutcome(status, input.timeoutMs, last.reason),
      ...observedOf(last),
    });
    if (input.signal?.aborted) return stopped('aborted');

    // 1. The Application may not exist yet: an ApplicationSet generates it once, say, its cluster is registered.
    const exists = await awaitApplication({ context, input, ref, fields, deadlineMs, report });
    if (exists !== 'done') return stopped(exists);

    // 2. Refresh, so Argo CD compares against the new commit now rather than at its next poll.
    let app: KubeRecord = await client.mergePatch(ref, {
      metadata: { annotations: { [REFRESH_ANNOTATION]: 'normal' } },
    });
    log.debug(fields, 'requested an Application refresh');

    let requireOperation = false;
    if (!input.observeOnly) {
      const set = await setSyncOperation({ context, input, ref, fields, deadlineMs, report }, app);
      if ('stopped' in set) return stopped(set.stopped);
      app = set.app;
      requireOperation = true;
    }

    // 4. Watch until the revision is synced and healthy, failed, or the time is up.
    const evaluate = (object: KubeRecord | undefined) => {
      const progress = evaluateApplicationProgress({
        app: object,
        revision: input.revision,
        ...(input.revisions ? { revisions: input.revisions } : {}),
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
    const result = await context.waitFor({
      ref,
      deadlineMs,
      signal: input.signal,
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
  };
}
