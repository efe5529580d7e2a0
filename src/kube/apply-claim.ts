import { isKubeObject, isRecord } from '../model/kube-object.ts';
import { claimDetails } from './claim-details.ts';
import { type ClaimReadiness, evaluateClaimReadiness } from './claim-readiness.ts';
import {
  type KubeDeliveryContext,
  metadataOf,
  progressEmitter,
  resourceVersionOf,
  stoppedOutcome,
} from './kube-delivery-context.ts';
import type { ApplyClaimInput, DeliveryOutcome } from './kube-delivery-types.ts';
import { KubePermanentError } from './kube-errors.ts';
import { describeRef, type KubeRecord, type KubeRef } from './kube-object-client.ts';

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

/** Server-side applies a claim from Git (unless Argo CD owns it) and waits until it is Ready. */
export function createApplyClaim(
  context: KubeDeliveryContext,
): (input: ApplyClaimInput) => Promise<DeliveryOutcome> {
  const { client, log } = context;

  return async function applyClaim(input: ApplyClaimInput): Promise<DeliveryOutcome> {
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
    const result = await context.waitFor<ClaimReadiness>({
      ref,
      deadlineMs,
      signal: input.signal,
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
    const details = await claimDetails({ client, claim: result.object, readiness, claimRef: ref });
    log.warn({ ...fields, status: result.status, reason: readiness.reason }, 'claim did not become ready');
    return {
      ok: false,
      sync: readiness.synced,
      health: readiness.readyStatus,
      details,
      ...stoppedOutcome(result.status, input.timeoutMs, readiness.reason),
    };
  };
}
