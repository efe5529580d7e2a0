import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeConfigError, loadKubeConfig } from '../../src/kube/load-kube-config.ts';
import { tempTrees } from '../support/temp-tree.ts';

const tree = tempTrees('kubeconfig');

const KUBECONFIG = `
apiVersion: v1
kind: Config
current-context: dev
contexts:
  - name: dev
    context: { cluster: dev, user: dev, namespace: team-a }
  - name: prod
    context: { cluster: prod, user: prod }
clusters:
  - name: dev
    cluster: { server: "http://127.0.0.1:6443", insecure-skip-tls-verify: true }
  - name: prod
    cluster: { server: "https://prod.example:6443", certificate-authority: ca.crt }
users:
  - name: dev
    user: { token: dev-token }
  - name: prod
    user: { token: prod-token }
`;

const EXTRA = `
current-context: extra
contexts: [{ name: extra, context: { cluster: extra, user: extra } }]
clusters: [{ name: extra, cluster: { server: "https://extra.example" } }]
users: [{ name: extra, user: { token: extra-token } }]
`;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof KubeConfigError) return error.code;
    throw error;
  }
  return undefined;
}

describe('loadKubeConfig', () => {
  it('reads MERGEPLANE_KUBECONFIG with its current context, even inside a cluster', () => {
    const root = tree({ 'kube/config': KUBECONFIG });
    const config = loadKubeConfig({
      env: { MERGEPLANE_KUBECONFIG: join(root, 'kube/config'), KUBERNETES_SERVICE_HOST: '10.0.0.1' },
    });
    expect(config.getCurrentContext()).toBe('dev');
    expect(config.getCurrentCluster()?.server).toBe('http://127.0.0.1:6443');
  });

  it('selects MERGEPLANE_KUBE_CONTEXT and resolves relative CA paths against the file', () => {
    const root = tree({ 'kube/config': KUBECONFIG });
    const config = loadKubeConfig({
      env: { KUBECONFIG: join(root, 'kube/config'), MERGEPLANE_KUBE_CONTEXT: 'prod' },
    });
    expect(config.getCurrentCluster()?.server).toBe('https://prod.example:6443');
    expect(config.getCurrentCluster()?.caFile).toBe(join(root, 'kube/ca.crt'));
  });

  it('merges a KUBECONFIG list, keeping the first current-context', () => {
    const root = tree({ a: KUBECONFIG, b: EXTRA });
    const config = loadKubeConfig({ env: { KUBECONFIG: `${join(root, 'a')}:${join(root, 'b')}` } });
    expect(config.getCurrentContext()).toBe('dev');
    expect(config.getContexts().map((c) => c.name)).toEqual(['dev', 'prod', 'extra']);
  });

  it('uses the service account in a cluster', () => {
    const root = tree({ 'sa/token': 'sa-token', 'sa/ca.crt': 'CA', 'sa/namespace': 'mergeplane\n' });
    const config = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', KUBECONFIG: '/ignored' },
      serviceAccountDir: join(root, 'sa'),
    });
    expect(config.getCurrentCluster()).toMatchObject({
      server: 'https://[fd00::1]:443',
      caFile: join(root, 'sa/ca.crt'),
    });
    expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe('mergeplane');
  });

  it('fails with typed, explained errors that never quote the file', () => {
    const root = tree({
      config: KUBECONFIG,
      broken: 'users: [ { user: { token: leaked-token } ',
      empty: 'kind: Config\n',
    });
    expect(codeOf(() => loadKubeConfig({ env: {} }))).toBe('no-config');
    expect(codeOf(() => loadKubeConfig({ env: { MERGEPLANE_KUBECONFIG: join(root, 'nope') } }))).toBe(
      'missing-file',
    );
    expect(
      codeOf(() =>
        loadKubeConfig({ env: { KUBECONFIG: join(root, 'config'), MERGEPLANE_KUBE_CONTEXT: 'staging' } }),
      ),
    ).toBe('unknown-context');
    expect(codeOf(() => loadKubeConfig({ env: { KUBECONFIG: join(root, 'empty') } }))).toBe(
      'unknown-context',
    );
    expect(
      codeOf(() =>
        loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, serviceAccountDir: join(root, 'sa') }),
      ),
    ).toBe('missing-service-account');
    let message = '';
    try {
      loadKubeConfig({ env: { KUBECONFIG: join(root, 'broken') } });
    } catch (error) {
      message = (error as Error).message;
      expect((error as KubeConfigError).code).toBe('invalid-file');
    }
    expect(message).toContain(join(root, 'broken'));
    expect(message).not.toContain('leaked-token');
    try {
      loadKubeConfig({ env: { KUBECONFIG: join(root, 'config'), MERGEPLANE_KUBE_CONTEXT: 'staging' } });
    } catch (error) {
      expect((error as Error).message).toMatch(/context "staging".*\(contexts: dev, prod\)/);
    }
  });
});
