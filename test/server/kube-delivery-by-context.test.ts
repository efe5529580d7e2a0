import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeDelivery } from '../../src/kube/kube-delivery.ts';
import { KubePermanentError } from '../../src/kube/kube-errors.ts';
import { loadKubeConfig } from '../../src/kube/load-kube-config.ts';
import { createKubeDeliveryByContext } from '../../src/server/kube-delivery-by-context.ts';
import { createFakeKubeDelivery } from '../delivery/fake-kube-delivery.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: us
    cluster: {server: https://us.example:6443}
  - name: eu
    cluster: {server: https://eu.example:6443}
users:
  - name: worker
    user: {token: not-a-real-token}
contexts:
  - name: mgmt-us
    context: {cluster: us, user: worker, namespace: argocd}
  - name: mgmt-eu
    context: {cluster: eu, user: worker}
current-context: mgmt-us
`;

function twoContexts(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(KUBECONFIG);
  return kubeConfig;
}

/** Records the configuration each adapter was built from. */
function recordingCreate() {
  const built: KubeConfig[] = [];
  return {
    built,
    create(kubeConfig: KubeConfig): KubeDelivery {
      built.push(kubeConfig);
      return createFakeKubeDelivery().kube;
    },
  };
}

function permanentError(run: () => unknown): KubePermanentError {
  try {
    run();
  } catch (error) {
    if (error instanceof KubePermanentError) return error;
    throw error;
  }
  throw new Error('expected a KubePermanentError');
}

describe('createKubeDeliveryByContext', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("builds one adapter per named context, on that context's cluster, leaving the worker's own context alone", () => {
    const kubeConfig = twoContexts();
    const { built, create } = recordingCreate();
    const kubeFor = createKubeDeliveryByContext({ kubeConfig, create });
    if (!kubeFor) throw new Error('a kubeconfig with named contexts selects them');

    const eu = kubeFor('mgmt-eu');
    expect(kubeFor('mgmt-eu')).toBe(eu);
    const us = kubeFor('mgmt-us');
    expect(us).not.toBe(eu);
    expect(built.map((c) => [c.getCurrentContext(), c.getCurrentCluster()?.server])).toEqual([
      ['mgmt-eu', 'https://eu.example:6443'],
      ['mgmt-us', 'https://us.example:6443'],
    ]);
    expect(built[0]?.getCurrentUser()?.token).toBe('not-a-real-token');
    expect(kubeConfig.getCurrentContext()).toBe('mgmt-us');
  });

  it('refuses an unknown context permanently, naming the known ones and never the credentials', () => {
    const { built, create } = recordingCreate();
    const kubeFor = createKubeDeliveryByContext({ kubeConfig: twoContexts(), create });
    if (!kubeFor) throw new Error('a kubeconfig with named contexts selects them');

    const error = permanentError(() => kubeFor('mgmt-ap'));
    expect(error.reason).toBe(
      'Kubernetes context "mgmt-ap" (delivery.kubeContext) is not in the worker\'s kubeconfig (contexts: mgmt-us, mgmt-eu)',
    );
    expect(error.reason).not.toContain('not-a-real-token');
    expect(built).toEqual([]);
  });

  it("offers no context choice for the pod's service account (in-cluster)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mergeplane-sa-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'token'), 'sa-token');
    writeFileSync(join(dir, 'ca.crt'), 'not a real CA');
    const kubeConfig = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: dir,
    });
    expect(createKubeDeliveryByContext({ kubeConfig, create: recordingCreate().create })).toBeUndefined();
  });
});
