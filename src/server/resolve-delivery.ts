import type { KubeConfig } from '@kubernetes/client-node';
import { KubeConfigError, loadKubeConfig } from '../kube/load-kube-config.ts';
import type { ServerEnv } from './server-env.ts';
import { StartupError } from './startup-error.ts';

export interface DeliverySetup {
  /** Pushes to default branches and merged pull requests are enqueued for delivery. */
  enqueue: boolean;
  /** The cluster the delivery worker talks to; absent: this process cannot run the delivery worker. */
  kubeConfig?: KubeConfig;
  /** Why delivery is off or has no worker here, for the start log. */
  reason?: string;
}

/**
 * Decides from MERGEPLANE_DELIVERY and the Kubernetes configuration whether this process enqueues and runs
 * post-merge delivery. `auto` without any configuration turns delivery off (a first start without a cluster
 * just plans pull requests); a configuration that is present but broken is an error in every mode but `off`. `on`
 * in a process without workers enqueues without reading any configuration.
 */
export function resolveDelivery(
  env: Pick<ServerEnv, 'delivery' | 'kube'>,
  processEnv: Record<string, string | undefined>,
  options: { runsWorkers: boolean } = { runsWorkers: true },
): DeliverySetup {
  if (env.delivery === 'off') return { enqueue: false, reason: 'MERGEPLANE_DELIVERY is off' };
  // A webhook-only server (`server --no-worker`) enqueues deliveries for workers elsewhere: it needs no cluster
  // access of its own, and reading a configuration it cannot use would only fail its start.
  if (env.delivery === 'on' && !options.runsWorkers) {
    return { enqueue: true, reason: 'webhooks only: the workers deliver' };
  }
  try {
    const kubeConfig = loadKubeConfig({
      env: {
        ...processEnv,
        MERGEPLANE_KUBECONFIG: env.kube.kubeconfig,
        MERGEPLANE_KUBE_CONTEXT: env.kube.context,
      },
    });
    return { enqueue: true, kubeConfig };
  } catch (error) {
    if (!(error instanceof KubeConfigError)) throw error;
    if (error.code === 'no-config') {
      return env.delivery === 'on'
        ? { enqueue: true, reason: error.message }
        : { enqueue: false, reason: `MERGEPLANE_DELIVERY is auto and there is ${error.message}` };
    }
    throw new StartupError(error.message, { cause: error });
  }
}
