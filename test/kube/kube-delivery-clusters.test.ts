import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createKubeDelivery, type KubeDelivery } from '../../src/kube/kube-delivery.ts';
import { KubePermanentError } from '../../src/kube/kube-errors.ts';
import { type FakeKube, startFakeKubeServer } from '../support/fake-kube/fake-kube-server.ts';
import { recordingLogger } from './recording-logger.ts';
import { isWatchOf, waitForRequest } from './wait-for-request.ts';

const TOKEN = 'eyJhbGciOi-cluster-token-7c1d';
const CLAIM = {
  apiVersion: 'platform.example.org/v1alpha1',
  kind: 'ClusterClaim',
  namespace: 'infra',
  name: 'prod-eu',
};

function clusterKubeconfig(server: string, user: Record<string, unknown> = { token: TOKEN }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'prod-eu',
    contexts: [{ name: 'prod-eu', context: { cluster: 'prod-eu', user: 'admin' } }],
    clusters: [{ name: 'prod-eu', cluster: { server, 'certificate-authority-data': 'Q0EtREFUQQ==' } }],
    users: [{ name: 'admin', user }],
  });
}

function decode(value: unknown): string {
  return Buffer.from(String(value), 'base64').toString('utf8');
}

describe('KubeDelivery cluster registration', () => {
  let kube: FakeKube;
  let delivery: KubeDelivery;
  let logs: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    kube = await startFakeKubeServer({ namespaces: ['default', 'argocd', 'infra'] });
    logs = recordingLogger();
    delivery = createKubeDelivery({ kubeConfig: kube.kubeConfig(), log: logs.logger, retryDelayMs: 10 });
  });

  afterEach(async () => {
    await kube.close();
  });

  function writeConnectionSecret(kubeconfigYaml: string, key = 'kubeconfig') {
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'prod-eu-conn', namespace: 'infra' },
      type: 'connection.crossplane.io/v1alpha1',
      data: { [key]: Buffer.from(kubeconfigYaml).toString('base64') },
    });
  }

  const input = {
    claim: CLAIM,
    connectionSecret: { namespace: 'infra', name: 'prod-eu-conn' },
    clusterName: 'prod-eu',
    labels: { env: 'prod', region: 'eu' },
    annotations: { 'mergeplane.io/pr': '42' },
    argocdNamespace: 'argocd',
    timeoutMs: 2_000,
  };

  it('registers the kubeconfig of the connection secret as an Argo CD cluster Secret, then updates it', async () => {
    writeConnectionSecret(clusterKubeconfig('https://prod-eu.clusters.example'));
    const first = await delivery.registerCluster(input);
    expect(first).toEqual({
      name: 'prod-eu',
      server: 'https://prod-eu.clusters.example',
      created: true,
      secretName: 'cluster-prod-eu',
    });

    const secret = kube.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'argocd',
      name: 'cluster-prod-eu',
    });
    const metadata = secret?.metadata as Record<string, Record<string, string>>;
    expect(metadata.labels).toEqual({
      env: 'prod',
      region: 'eu',
      'argocd.argoproj.io/secret-type': 'cluster',
      'app.kubernetes.io/managed-by': 'mergeplane',
    });
    expect(metadata.annotations).toMatchObject({
      'mergeplane.io/pr': '42',
      'mergeplane.io/claim': 'platform.example.org/v1alpha1/ClusterClaim infra/prod-eu',
    });
    const data = secret?.data as Record<string, string>;
    expect(decode(data.name)).toBe('prod-eu');
    expect(decode(data.server)).toBe('https://prod-eu.clusters.example');
    expect(JSON.parse(decode(data.config))).toEqual({
      bearerToken: TOKEN,
      tlsClientConfig: { insecure: false, caData: 'Q0EtREFUQQ==' },
    });
    // Server-side apply as our field manager.
    const apply = kube.requests.find(
      (r) => r.method === 'PATCH' && r.path.endsWith('/secrets/cluster-prod-eu'),
    );
    expect(apply?.contentType).toBe('application/apply-patch+yaml');
    expect(apply?.query).toContain('fieldManager=mergeplane');

    const second = await delivery.registerCluster({ ...input, labels: { env: 'prod', region: 'eu-west' } });
    expect(second.created).toBe(false);
    const updated = kube.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'argocd',
      name: 'cluster-prod-eu',
    });
    expect(updated?.metadata).toMatchObject({ labels: { region: 'eu-west' } });

    const everything = JSON.stringify([first, second, logs.entries]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(TOKEN).toString('base64'));
    expect(logs.entries.some((e) => e.message === 'registered the cluster in Argo CD')).toBe(true);
  });

  it('waits for the connection secret to appear', async () => {
    void waitForRequest(kube, isWatchOf('/api/v1/namespaces/infra/secrets')).then(() =>
      writeConnectionSecret(clusterKubeconfig('https://late.clusters.example')),
    );
    const result = await delivery.registerCluster(input);
    expect(result.server).toBe('https://late.clusters.example');
  });

  it('fails permanently, without leaking credentials, on exec auth, a missing key or a foreign Secret', async () => {
    writeConnectionSecret(
      clusterKubeconfig('https://x.example', {
        exec: { command: 'aws', env: [{ name: 'K', value: TOKEN }] },
      }),
    );
    const exec = await delivery.registerCluster(input).catch((error: unknown) => error);
    expect(exec).toBeInstanceOf(KubePermanentError);
    expect((exec as KubePermanentError).reason).toMatch(
      /connection secret infra\/prod-eu-conn key "kubeconfig": .*"exec"/,
    );
    expect((exec as Error).message).not.toContain(TOKEN);

    const missingKey = await delivery
      .registerCluster({
        ...input,
        connectionSecret: { ...input.connectionSecret, key: 'other' },
        timeoutMs: 100,
      })
      .catch((error: unknown) => error);
    expect(missingKey).toBeInstanceOf(KubePermanentError);
    expect((missingKey as KubePermanentError).reason).toBe(
      'connection secret infra/prod-eu-conn has no "other" key',
    );

    kube.store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'cluster-hand-made',
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
      },
      data: {},
    });
    const foreign = await delivery
      .unregisterCluster({ clusterName: 'hand-made', argocdNamespace: 'argocd' })
      .catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(KubePermanentError);
    expect(
      kube.store.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'argocd', name: 'cluster-hand-made' }),
    ).toBeDefined();
  });

  it('unregisters: deletes the Secret, false when there is none', async () => {
    writeConnectionSecret(clusterKubeconfig('https://prod-eu.clusters.example'));
    await delivery.registerCluster(input);
    expect(await delivery.unregisterCluster({ clusterName: 'prod-eu', argocdNamespace: 'argocd' })).toBe(
      true,
    );
    expect(
      kube.store.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'argocd', name: 'cluster-prod-eu' }),
    ).toBeUndefined();
    expect(await delivery.unregisterCluster({ clusterName: 'prod-eu', argocdNamespace: 'argocd' })).toBe(
      false,
    );
  });
});
