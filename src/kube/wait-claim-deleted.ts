import { conditionsOf, describeCondition } from './claim-readiness.ts';
import { type KubeDeliveryContext, metadataOf, stoppedOutcome } from './kube-delivery-context.ts';
import type { DeliveryOutcome, WaitClaimDeletedInput } from './kube-delivery-types.ts';
import { describeRef, type KubeRef } from './kube-object-client.ts';

/** Waits until a claim is gone (deleting it first when Mergeplane owns it); on failure says what holds it. */
export function createWaitClaimDeleted(
  context: KubeDeliveryContext,
): (input: WaitClaimDeletedInput) => Promise<DeliveryOutcome> {
  const { client, log } = context;

  return async function waitClaimDeleted(input: WaitClaimDeletedInput): Promise<DeliveryOutcome> {
    const ref: KubeRef = { ...input.claim };
    const deadlineMs = Date.now() + input.timeoutMs;
    if (input.delete) {
      const deleted = await client.delete(ref);
      log.info({ ...ref, deleted }, 'deleted the claim');
    }
    const result = await context.waitFor<true>({
      ref,
      deadlineMs,
      signal: input.signal,
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
    return {
      ok: false,
      ...stoppedOutcome(result.status, input.timeoutMs, `${describeRef(ref)} still exists (${state})`),
      details,
    };
  };
}
