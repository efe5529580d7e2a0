import { isRecord } from '../model/kube-object.ts';
import type { DeliveryOutcome, DeliveryProgress, KubeDeliveryLogger } from './kube-delivery-types.ts';
import type { KubeObjectClient, KubeRecord, KubeRef } from './kube-object-client.ts';
import type { WaitForObjectOptions, WaitResult } from './wait-for-object.ts';

/** A wait as an operation describes it; the context adds the client and the retry/watch settings. */
export type DeliveryWaitOptions<T> = Omit<
  WaitForObjectOptions<T>,
  'client' | 'retryDelayMs' | 'watchTimeoutSeconds'
>;

/** What the delivery operations share, built once by `createKubeDelivery` from its options. */
export interface KubeDeliveryContext {
  client: KubeObjectClient;
  log: KubeDeliveryLogger;
  /** How many times a conditional `.operation` patch is retried after 409 conflicts before giving up. */
  maxConflicts: number;
  /** `waitForObject` with this delivery's client, retry delay and watch lifetime. */
  waitFor<T>(options: DeliveryWaitOptions<T>): Promise<WaitResult<T>>;
}

/** How a wait ended that did not reach its state. */
export type StoppedStatus = Exclude<WaitResult<unknown>['status'], 'done'>;

export function seconds(ms: number): string {
  const value = Math.round(ms / 100) / 10;
  return `${value}s`;
}

/** Watches report every change; callers only want to hear when what they show would change. */
export function progressEmitter(
  onProgress: ((p: DeliveryProgress) => void) | undefined,
): (progress: DeliveryProgress) => void {
  let last = '';
  return (progress: DeliveryProgress) => {
    const key = JSON.stringify([progress.message, progress.phase, progress.sync, progress.health]);
    if (key === last) return;
    last = key;
    onProgress?.(progress);
  };
}

/**
 * The flag and reason of an outcome whose wait the deadline or the caller's signal ended; `reason` says what was
 * still missing. Callers spread it between their own fields, so each outcome keeps its field order.
 */
export function stoppedOutcome(
  status: StoppedStatus,
  timeoutMs: number,
  reason: string,
): Pick<DeliveryOutcome, 'timedOut' | 'aborted' | 'reason'> {
  return status === 'timeout'
    ? { timedOut: true, reason: `timed out after ${seconds(timeoutMs)}: ${reason}` }
    : { aborted: true, reason: `aborted: ${reason}` };
}

export function metadataOf(object: KubeRecord | undefined): Record<string, unknown> {
  return object && isRecord(object.metadata) ? object.metadata : {};
}

export function resourceVersionOf(object: KubeRecord | undefined): string {
  const rv = metadataOf(object).resourceVersion;
  return typeof rv === 'string' ? rv : '';
}

export function secretRef(namespace: string, name: string): KubeRef {
  return { apiVersion: 'v1', kind: 'Secret', namespace, name };
}
