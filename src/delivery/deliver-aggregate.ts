import { type DeliveryPlan, targetLabel } from '../model/delivery-plan.ts';
import type { TargetResult } from '../queue/deliver-job.ts';

export interface DeliverAggregate {
  state: 'success' | 'failure';
  description: string;
}

/** The whole delivery's outcome, for the deploy status: success only when every target of the plan succeeded. */
export function aggregateDelivery(
  plan: DeliveryPlan,
  results: Record<string, TargetResult>,
): DeliverAggregate {
  const all = plan.stages.flatMap((s) => s.targets);
  const bad = all.filter((t) => results[t.key]?.state !== 'success');
  if (bad.length === 0) {
    if (all.length === 0) return { state: 'success', description: 'Nothing to deliver' };
    // A superseded target was not synced by this merge: it must not be counted as synced or ready.
    const done = all.filter((t) => results[t.key]?.kind !== 'superseded');
    const superseded = all.length - done.length;
    if (done.length === 0) {
      return {
        state: 'success',
        description: `Nothing left to deliver: ${superseded} superseded by newer merges`,
      };
    }
    const apps = done.filter((t) => t.type === 'sync').length;
    const claims = done.length - apps;
    const parts = [
      apps > 0 ? `${apps} app${apps === 1 ? '' : 's'} synced` : '',
      claims > 0 ? `${claims} claim${claims === 1 ? '' : 's'} ready` : '',
      superseded > 0 ? `${superseded} superseded by newer merges` : '',
    ].filter(Boolean);
    return { state: 'success', description: `Delivered: ${parts.join(', ')}` };
  }
  const failed = bad.filter((t) => results[t.key]?.kind !== 'not-started');
  const notStarted = bad.length - failed.length;
  return {
    state: 'failure',
    description: `${failed.length} of ${all.length} failed: ${failed.map(targetLabel).join(', ')}${notStarted > 0 ? `; ${notStarted} not started` : ''}`,
  };
}

/**
 * The deploy status while a delivery runs, after each finished stage: "Syncing: 7 of 12 apps done, 1 failed"
 * ("Provisioning" while the next stage is claims; "targets" when the merge has both apps and claims). `only`: the
 * targets a `/mergeplane retry` delivers again.
 */
export function deliveryProgress(
  plan: DeliveryPlan,
  results: Record<string, TargetResult>,
  nextStage: number,
  only?: readonly string[],
): string {
  const all = plan.stages.flatMap((s) => s.targets).filter((t) => only === undefined || only.includes(t.key));
  const finished = all.filter((t) => results[t.key] !== undefined);
  const failed = finished.filter((t) => results[t.key]?.state !== 'success').length;
  const syncs = all.filter((t) => t.type === 'sync').length;
  const noun = syncs === all.length ? 'apps' : syncs === 0 ? 'claims' : 'targets';
  const verb = plan.stages[nextStage]?.kind === 'claims' ? 'Provisioning' : 'Syncing';
  // Short by construction; the status writer (statusDescription) holds every description to GitHub's 140 anyway.
  return `${verb}: ${finished.length} of ${all.length} ${noun} done${failed > 0 ? `, ${failed} failed` : ''}`;
}
