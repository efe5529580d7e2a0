import { describe, expect, it } from 'vitest';
import { resolveDelivery } from '../../src/server/resolve-delivery.ts';
import { StartupError } from '../../src/server/startup-error.ts';

// Inside a pod Kubernetes always sets KUBERNETES_SERVICE_HOST; a pod without a mounted token has no in-cluster config.
const POD = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
const on = { delivery: 'on' as const, kube: {} };

describe('resolveDelivery', () => {
  it('enqueues deliveries from a webhook-only server without reading any Kubernetes configuration', () => {
    expect(resolveDelivery(on, POD, { runsWorkers: false })).toEqual({
      enqueue: true,
      reason: 'webhooks only: the workers deliver',
    });
  });

  it('still needs a usable configuration where workers deliver', () => {
    expect(() => resolveDelivery(on, POD, { runsWorkers: true })).toThrow(StartupError);
  });

  it('enqueues nothing when delivery is off, workers or not', () => {
    for (const runsWorkers of [true, false]) {
      expect(resolveDelivery({ delivery: 'off', kube: {} }, POD, { runsWorkers }).enqueue).toBe(false);
    }
  });
});
