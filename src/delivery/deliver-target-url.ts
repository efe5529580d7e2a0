import { argocdApplicationUrl } from '../github/commit-status.ts';
import type { DeliveryPlan, DeliveryTarget } from '../model/delivery-plan.ts';

/**
 * Where a target's status and failure comment link to: its Argo CD Application, or for a claim the app that
 * owns it (a claim has no page of its own there).
 */
export function deliverTargetUrl(
  argocdUrl: string | undefined,
  target: DeliveryTarget,
  plan: Pick<DeliveryPlan, 'options'>,
): string | undefined {
  if (target.type === 'sync') return argocdApplicationUrl(argocdUrl, target.app);
  if (target.ownedBy) {
    return argocdApplicationUrl(argocdUrl, {
      namespace: plan.options.argocdNamespace,
      name: target.ownedBy,
    });
  }
  return undefined;
}
