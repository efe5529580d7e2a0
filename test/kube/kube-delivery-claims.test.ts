import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApplyClaimInput,
  createKubeDelivery,
  type DeliveryProgress,
  type KubeDelivery,
} from '../../src/kube/kube-delivery.ts';
import { KubePermanentError } from '../../src/kube/kube-errors.ts';
import {
  type ClaimBehaviour,
  type CrossplaneController,
  type CrossplaneKind,
  startCrossplaneController,
} from '../support/fake-kube/crossplane-controller.ts';
import {
  type FakeKube,
  type FakeKubeAccessRequest,
  startFakeKubeServer,
} from '../support/fake-kube/fake-kube-server.ts';
import { recordingLogger } from './recording-logger.ts';
import { isWatchOf, waitForRequest } from './wait-for-request.ts';

const API_VERSION = 'platform.example.org/v1alpha1';

/** A v1 claim that yields a cluster. */
const clusterClaimKind: CrossplaneKind = {
  group: 'platform.example.org',
  version: 'v1alpha1',
  kind: 'ClusterClaim',
  plural: 'clusterclaims',
  cluster: true,
  composed: [{ apiVersion: 'eks.aws.example/v1beta1', kind: 'Cluster', name: 'eks-prod' }],
};

/** A Crossplane v2 namespaced XR composing a namespaced managed resource (ref without namespace) and a cluster-scoped one. */
const databaseKind: CrossplaneKind = {
  group: 'platform.example.org',
  version: 'v1alpha1',
  kind: 'Database',
  plural: 'databases',
  composed: [
    { apiVersion: 'sql.aws.example/v1beta1', kind: 'Instance', name: 'orders-db' },
    { apiVersion: 'iam.aws.example/v1beta1', kind: 'Role', name: 'orders-role' },
    { apiVersion: 'iam.aws.example/v1beta1', kind: 'Role', name: 'orders-missing' },
  ],
};

const managedTypes = [
  { group: 'eks.aws.example', version: 'v1beta1', kind: 'Cluster', plural: 'clusters', namespaced: false },
  { group: 'sql.aws.example', version: 'v1beta1', kind: 'Instance', plural: 'instances', namespaced: true },
  { group: 'iam.aws.example', version: 'v1beta1', kind: 'Role', plural: 'roles', namespaced: false },
];

interface Env {
  kube: FakeKube;
  crossplane: CrossplaneController;
  delivery: KubeDelivery;
  logs: ReturnType<typeof recordingLogger>;
}

let env: Env | undefined;

afterEach(async () => {
  await env?.crossplane.stop();
  await env?.kube.close();
  env = undefined;
});

async function setup(
  options: {
    behaviour?: Record<string, ClaimBehaviour>;
    forbid?: (req: FakeKubeAccessRequest) => boolean;
  } = {},
): Promise<Env> {
  const kube = await startFakeKubeServer({
    types: managedTypes,
    namespaces: ['default', 'argocd', 'team-a'],
    forbid: options.forbid,
  });
  const crossplane = startCrossplaneController({
    kube,
    kinds: [clusterClaimKind, databaseKind],
    behaviour: options.behaviour,
    readyDelayMs: 30,
    deletionDelayMs: 30,
  });
  const logs = recordingLogger();
  const delivery = createKubeDelivery({ kubeConfig: kube.kubeConfig(), log: logs.logger, retryDelayMs: 10 });
  env = { kube, crossplane, delivery, logs };
  return env;
}

function clusterClaim(name: string, size = 'small'): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterClaim',
    metadata: { name, namespace: 'team-a', labels: { team: 'a' } },
    spec: { parameters: { size }, writeConnectionSecretToRef: { name: `${name}-kubeconfig` } },
  };
}

function applyInput(object: Record<string, unknown>, overrides: Partial<ApplyClaimInput> = {}) {
  const progress: DeliveryProgress[] = [];
  const input: ApplyClaimInput = {
    object,
    observeOnly: false,
    timeoutMs: 1_500,
    onProgress: (p) => progress.push(p),
    ...overrides,
  };
  return { input, progress };
}

function secretValue(secret: Record<string, unknown> | undefined, key: string): string {
  const data = (secret?.data ?? {}) as Record<string, string>;
  return Buffer.from(String(data[key]), 'base64').toString('utf8');
}

const claimRef = (name: string, kind = 'ClusterClaim') => ({
  apiVersion: API_VERSION,
  kind,
  namespace: 'team-a',
  name,
});

describe('KubeDelivery.applyClaim', () => {
  it('server-side applies the Git object (without server fields) and waits for Synced and Ready', async () => {
    const { kube, delivery } = await setup();
    const fromGit: Record<string, unknown> = {
      ...clusterClaim('prod-eu'),
      metadata: { name: 'prod-eu', namespace: 'team-a', resourceVersion: '999', uid: 'stale-uid' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const { input, progress } = applyInput(fromGit);
    const outcome = await delivery.applyClaim(input);
    expect(outcome).toEqual({
      ok: true,
      reason: 'Synced and Ready',
      sync: 'True',
      health: 'True',
      details: [],
    });

    const apply = kube.requests.find(
      (r) => r.method === 'PATCH' && r.path.endsWith('/clusterclaims/prod-eu'),
    );
    expect(apply?.contentType).toBe('application/apply-patch+yaml');
    expect(new URLSearchParams(apply?.query).get('fieldManager')).toBe('mergeplane');
    expect(new URLSearchParams(apply?.query).get('force')).toBe('true');
    const stored = kube.store.get(claimRef('prod-eu'));
    expect(stored?.spec).toEqual({
      parameters: { size: 'small' },
      writeConnectionSecretToRef: { name: 'prod-eu-kubeconfig' },
    });
    expect(progress[0]?.message).toBe('applied ClusterClaim team-a/prod-eu (generation 1)');
    expect(progress.map((p) => p.message)).toContain('Ready=False (Creating)');
  });

  it('after a spec change, waits until Ready is observed for the new generation', async () => {
    const { kube, delivery } = await setup();
    expect((await delivery.applyClaim(applyInput(clusterClaim('prod-eu')).input)).ok).toBe(true);
    const { input, progress } = applyInput(clusterClaim('prod-eu', 'large'));
    const outcome = await delivery.applyClaim(input);
    expect(outcome.ok).toBe(true);
    expect(kube.store.get(claimRef('prod-eu'))?.metadata).toMatchObject({ generation: 2 });
    // The old Ready=True (generation 1) must not count as ready for generation 2.
    expect(
      progress.some((p) => p.message.includes('Ready=True observed for generation 1, not the current 2')),
    ).toBe(true);
  });

  it('times out on a claim that never gets ready, listing its conditions and composed resources not Ready', async () => {
    const { kube, delivery } = await setup({ behaviour: { orders: { mode: 'never-ready' } } });
    kube.store.create(
      {
        apiVersion: 'sql.aws.example/v1beta1',
        kind: 'Instance',
        metadata: { name: 'orders-db', namespace: 'team-a' },
        status: {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'Creating', message: 'waiting for the DB instance' },
            { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
          ],
        },
      },
      { keepStatus: true },
    );
    kube.store.create(
      {
        apiVersion: 'iam.aws.example/v1beta1',
        kind: 'Role',
        metadata: { name: 'orders-role' },
        status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] },
      },
      { keepStatus: true },
    );
    const xr = {
      apiVersion: API_VERSION,
      kind: 'Database',
      metadata: { name: 'orders', namespace: 'team-a' },
      spec: { engine: 'postgres' },
    };
    const outcome = await delivery.applyClaim(applyInput(xr, { timeoutMs: 700 }).input);
    expect(outcome).toEqual({
      ok: false,
      timedOut: true,
      reason: 'timed out after 0.7s: Ready=False (Creating)',
      sync: 'True',
      health: 'False',
      details: [
        'Ready=False (Creating)',
        'Instance/team-a/orders-db: Ready=False (Creating): waiting for the DB instance',
        'Role/orders-missing: not found',
      ],
    });
  });

  it('reports the failing Synced condition', async () => {
    const { delivery } = await setup({
      behaviour: {
        broken: { mode: 'failing', message: 'cannot compose resources: function-go-templating not ready' },
      },
    });
    const outcome = await delivery.applyClaim(applyInput(clusterClaim('broken'), { timeoutMs: 700 }).input);
    expect(outcome.ok).toBe(false);
    expect(outcome.reason).toBe(
      'timed out after 0.7s: Synced=False (ReconcileError): cannot compose resources: function-go-templating not ready; Ready=False (Creating)',
    );
    expect(outcome.details).toEqual([
      'Synced=False (ReconcileError): cannot compose resources: function-go-templating not ready',
      'Ready=False (Creating)',
    ]);
  });

  it('only observes a claim Argo CD owns: waits for it to appear, never applies', async () => {
    const { kube, delivery } = await setup();
    const claimsPath = '/apis/platform.example.org/v1alpha1/namespaces/team-a/clusterclaims';
    void waitForRequest(kube, isWatchOf(claimsPath)).then(() =>
      kube.store.create(clusterClaim('argo-owned')),
    );
    const outcome = await delivery.applyClaim(
      applyInput(clusterClaim('argo-owned'), { observeOnly: true }).input,
    );
    expect(outcome.ok).toBe(true);
    expect(kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('turns 403 Forbidden into KubePermanentError', async () => {
    const { delivery } = await setup({
      forbid: (req) => req.verb === 'patch' && req.resource === 'clusterclaims',
    });
    const error = await delivery
      .applyClaim(applyInput(clusterClaim('prod-eu')).input)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubePermanentError);
    expect((error as KubePermanentError).status).toBe(403);
  });

  it('a kind the cluster does not serve is a permanent error', async () => {
    const { delivery } = await setup();
    const unknown = {
      apiVersion: 'nope.example.org/v1',
      kind: 'Thing',
      metadata: { name: 'x', namespace: 'team-a' },
      spec: {},
    };
    const error = await delivery.applyClaim(applyInput(unknown).input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubePermanentError);
    expect((error as KubePermanentError).reason).toMatch(/does not serve Thing in nope\.example\.org\/v1/);
  });
});

describe('KubeDelivery.waitClaimDeleted', () => {
  it('waits for the finalizer to be removed after a deletion', async () => {
    const { kube, delivery } = await setup();
    expect((await delivery.applyClaim(applyInput(clusterClaim('gone')).input)).ok).toBe(true);
    kube.store.delete(claimRef('gone'));
    expect(kube.store.get(claimRef('gone'))).toBeDefined();
    const outcome = await delivery.waitClaimDeleted({ claim: claimRef('gone'), timeoutMs: 1_500 });
    expect(outcome).toEqual({ ok: true, reason: 'ClusterClaim team-a/gone is deleted' });
    expect(kube.store.get(claimRef('gone'))).toBeUndefined();
  });

  it('deletes when asked, and times out naming the finalizers while deletion hangs', async () => {
    const { kube, delivery } = await setup({ behaviour: { stuck: { deletionDelayMs: 60_000 } } });
    expect((await delivery.applyClaim(applyInput(clusterClaim('stuck')).input)).ok).toBe(true);
    const outcome = await delivery.waitClaimDeleted({
      claim: claimRef('stuck'),
      timeoutMs: 300,
      delete: true,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.reason).toBe(
      'timed out after 0.3s: ClusterClaim team-a/stuck still exists (deletion in progress; finalizers: finalizer.apiextensions.crossplane.io)',
    );
    expect(kube.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/clusterclaims/stuck'))).toBe(
      true,
    );
    expect((await delivery.waitClaimDeleted({ claim: claimRef('never-existed'), timeoutMs: 300 })).ok).toBe(
      true,
    );
  });
});

describe('claim to Argo CD cluster', () => {
  it("registers a ready cluster claim's kubeconfig without leaking its token", async () => {
    const { kube, delivery, logs } = await setup();
    const progress: DeliveryProgress[] = [];
    const applied = await delivery.applyClaim(
      applyInput(clusterClaim('prod-eu'), { onProgress: (p) => progress.push(p) }).input,
    );
    expect(applied.ok).toBe(true);
    const registered = await delivery.registerCluster({
      claim: claimRef('prod-eu'),
      connectionSecret: { namespace: 'team-a', name: 'prod-eu-kubeconfig' },
      clusterName: 'prod-eu',
      labels: { env: 'prod' },
      argocdNamespace: 'argocd',
      timeoutMs: 1_000,
    });
    expect(registered).toEqual({
      name: 'prod-eu',
      server: 'https://prod-eu.clusters.example',
      created: true,
      secretName: 'cluster-prod-eu',
    });

    const connection = kube.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'team-a',
      name: 'prod-eu-kubeconfig',
    });
    const kubeconfig = secretValue(connection, 'kubeconfig');
    const token = /token: (\S+)/.exec(kubeconfig)?.[1];
    expect(token).toMatch(/^fake-[0-9a-f]{32}$/);
    const registeredSecret = kube.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'argocd',
      name: 'cluster-prod-eu',
    });
    const config = JSON.parse(secretValue(registeredSecret, 'config'));
    expect(config.bearerToken).toBe(token);
    const visible = JSON.stringify([applied, registered, progress, logs.entries]);
    expect(visible).not.toContain(String(token));
  });
});
