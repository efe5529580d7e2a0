import type { DeliveryOutcome, DeliveryProgress, KubeDelivery } from '../kube/kube-delivery.ts';
import type { ClaimTarget, DeliveryPlan, DeliveryTarget, SyncTarget } from '../model/delivery-plan.ts';

export interface DeliverTargetContext {
  kube: KubeDelivery;
  mergeSha: string;
  options: DeliveryPlan['options'];
  signal?: AbortSignal;
  onProgress?: (progress: DeliveryProgress) => void;
}

/** The end of one target: ok, and a one-line description for its commit status (no secret values). */
export interface TargetOutcome {
  ok: boolean;
  description: string;
}

function state(outcome: Pick<DeliveryOutcome, 'phase' | 'sync' | 'health'>): string {
  return [outcome.phase, outcome.sync, outcome.health]
    .filter((part) => part !== undefined && part !== '')
    .join('/');
}

function describe(outcome: DeliveryOutcome, success: string): string {
  const where = state(outcome);
  if (outcome.ok) return where ? `${success} (${where})` : success;
  const details = outcome.details?.length ? `: ${outcome.details.join('; ')}` : '';
  return `${where ? `${where}: ` : ''}${outcome.reason}${details}`;
}

async function deliverSync(target: SyncTarget, ctx: DeliverTargetContext): Promise<TargetOutcome> {
  const short = ctx.mergeSha.slice(0, 7);
  const outcome = await ctx.kube.syncApplication({
    namespace: target.app.namespace,
    name: target.app.name,
    revision: ctx.mergeSha,
    ...(target.revisions ? { revisions: target.revisions } : {}),
    prune: ctx.options.prune,
    observeOnly: target.observeOnly,
    timeoutMs: ctx.options.timeoutMs,
    degradedGraceMs: ctx.options.degradedGraceMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  const success = target.observeOnly ? `Argo CD synced ${short}` : `Synced ${short}`;
  return { ok: outcome.ok, description: describe(outcome, success) };
}

async function deliverClaim(target: ClaimTarget, ctx: DeliverTargetContext): Promise<TargetOutcome> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  if (target.action === 'observe-deletion') {
    const outcome = await ctx.kube.waitClaimDeleted({
      claim: target.claim,
      timeoutMs: ctx.options.timeoutMs,
      ...(target.deleteFirst ? { delete: true } : {}),
      ...signal,
    });
    if (!outcome.ok) return { ok: false, description: describe(outcome, 'Deleted') };
    if (target.unregisterCluster) {
      const removed = await ctx.kube.unregisterCluster({
        clusterName: target.unregisterCluster.clusterName,
        argocdNamespace: ctx.options.argocdNamespace,
      });
      return {
        ok: true,
        description: `Deleted; cluster ${target.unregisterCluster.clusterName} ${removed ? 'unregistered' : 'was not registered'}`,
      };
    }
    return { ok: true, description: 'Deleted' };
  }
  const outcome = await ctx.kube.applyClaim({
    object: target.object,
    observeOnly: target.action === 'observe',
    timeoutMs: ctx.options.timeoutMs,
    ...signal,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  const ready =
    target.action === 'observe' ? `Ready (delivered by ${target.ownedBy ?? 'Argo CD'})` : 'Applied, Ready';
  if (!outcome.ok || !target.registerCluster)
    return { ok: outcome.ok, description: describe(outcome, ready) };
  const registration = target.registerCluster;
  const cluster = await ctx.kube.registerCluster({
    claim: target.claim,
    connectionSecret: registration.connectionSecret,
    clusterName: registration.clusterName,
    labels: registration.labels,
    argocdNamespace: ctx.options.argocdNamespace,
    ...signal,
  });
  return {
    ok: true,
    description: `Ready; cluster ${cluster.name} ${cluster.created ? 'registered' : 'updated'} with Argo CD`,
  };
}

/**
 * Delivers one target through the Kubernetes adapter: sync (or observe) an Application, apply (or observe) a
 * claim and register its cluster, or wait for a deleted claim to go and unregister its cluster. A negative
 * outcome is returned; adapter errors (`KubeTransientError`, `KubePermanentError`) propagate.
 */
export function deliverTarget(target: DeliveryTarget, ctx: DeliverTargetContext): Promise<TargetOutcome> {
  return target.type === 'sync' ? deliverSync(target, ctx) : deliverClaim(target, ctx);
}

/** The status description while a target runs. */
export function runningDescription(target: DeliveryTarget, mergeSha: string): string {
  const short = mergeSha.slice(0, 7);
  if (target.type === 'sync') {
    return target.observeOnly ? `Waiting for Argo CD to sync ${short}` : `Syncing ${short}`;
  }
  if (target.action === 'observe-deletion') return 'Waiting for deletion';
  return target.action === 'observe'
    ? 'Waiting for Argo CD to deliver it and for Ready'
    : 'Applying, waiting for Ready';
}
