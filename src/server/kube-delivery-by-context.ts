import { KubeConfig } from '@kubernetes/client-node';
import type { KubeDelivery } from '../kube/kube-delivery.ts';
import { KubePermanentError } from '../kube/kube-errors.ts';

export interface KubeDeliveryByContextOptions<T = KubeDelivery> {
  /** The worker's loaded configuration; never modified. */
  kubeConfig: KubeConfig;
  /** Builds the adapter of one context's copy of the configuration. */
  create(kubeConfig: KubeConfig): T;
}

// The only context of a configuration built from the pod's service account (as client-node names it too).
const IN_CLUSTER_CONTEXT = 'inClusterContext';

/**
 * The adapter of a named context of the worker's kubeconfig (`delivery.kubeContext`), one per context and
 * built on first use. Unknown contexts throw `KubePermanentError`: no retry makes a context appear.
 * Undefined for an in-cluster configuration, which has no contexts to choose from.
 */
export function createKubeDeliveryByContext<T = KubeDelivery>(
  options: KubeDeliveryByContextOptions<T>,
): ((context: string) => T) | undefined {
  const { kubeConfig } = options;
  const contexts = kubeConfig.getContexts().map((context) => context.name);
  if (contexts.length === 1 && contexts[0] === IN_CLUSTER_CONTEXT) return undefined;
  const cache = new Map<string, T>();
  return (context) => {
    const cached = cache.get(context);
    if (cached) return cached;
    if (!kubeConfig.getContextObject(context)) {
      throw new KubePermanentError(
        `Kubernetes context "${context}" (delivery.kubeContext) is not in the worker's kubeconfig (contexts: ${contexts.join(', ') || 'none'})`,
      );
    }
    // A copy, so the worker's own client keeps its current context.
    const copy = new KubeConfig();
    copy.mergeConfig(kubeConfig);
    copy.setCurrentContext(context);
    const kube = options.create(copy);
    cache.set(context, kube);
    return kube;
  };
}
