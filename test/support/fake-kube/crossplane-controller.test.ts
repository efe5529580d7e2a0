import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ClaimBehaviour,
  type CrossplaneController,
  type CrossplaneKind,
  crossplaneFinalizer,
  startCrossplaneController,
} from './crossplane-controller.ts';
import { type FakeKube, startFakeKubeServer } from './fake-kube-server.ts';
import { FakeKubeStore } from './fake-kube-store.ts';
import { isRecord, type KubeRecord } from './json-values.ts';
import { waitForObject } from './wait-for-object.ts';

const clusterKind: CrossplaneKind = {
  group: 'platform.example.org',
  version: 'v1alpha1',
  kind: 'KubernetesCluster',
  plural: 'kubernetesclusters',
  cluster: true,
  composed: [
    { apiVersion: 'eks.aws.upbound.io/v1beta1', kind: 'Cluster' },
    { apiVersion: 'eks.aws.upbound.io/v1beta1', kind: 'NodeGroup' },
  ],
};
const ref = (name: string) => ({
  apiVersion: 'platform.example.org/v1alpha1',
  kind: 'KubernetesCluster',
  namespace: 'team-a',
  name,
});
const claim = (name: string, spec: KubeRecord = {}): KubernetesObject & KubeRecord => ({
  apiVersion: 'platform.example.org/v1alpha1',
  kind: 'KubernetesCluster',
  metadata: { name, namespace: 'team-a' },
  spec: { parameters: { size: 'small' }, writeConnectionSecretToRef: { name: `${name}-conn` }, ...spec },
});

type Condition = {
  type: string;
  status: string;
  reason: string;
  message?: string;
  observedGeneration: number;
};
const conditions = (object: KubeRecord | undefined): Condition[] =>
  isRecord(object?.status) && Array.isArray(object.status.conditions)
    ? (object.status.conditions as Condition[])
    : [];
const condition = (object: KubeRecord | undefined, type: string) =>
  conditions(object).find((c) => c.type === type);
const metadata = (object: KubeRecord | undefined) =>
  (object?.metadata ?? {}) as { generation?: number; finalizers?: string[]; deletionTimestamp?: string };
const generation = (object: KubeRecord | undefined) => metadata(object).generation;
const isReadyAtGeneration = (object: KubeRecord | undefined) =>
  object !== undefined &&
  ['Synced', 'Ready'].every((type) => {
    const c = condition(object, type);
    return c?.status === 'True' && c.observedGeneration === generation(object);
  });

describe('simulated Crossplane controller', () => {
  let kube: FakeKube;
  let controller: CrossplaneController;
  let objects: KubernetesObjectApi;
  const behaviour: Record<string, ClaimBehaviour> = {};

  beforeEach(async () => {
    for (const key of Object.keys(behaviour)) delete behaviour[key];
    kube = await startFakeKubeServer({ namespaces: ['default', 'argocd', 'team-a'] });
    controller = startCrossplaneController({ kube, kinds: [clusterKind], behaviour, readyDelayMs: 20 });
    objects = KubernetesObjectApi.makeApiClient(kube.kubeConfig());
  });

  afterEach(async () => {
    await controller.stop();
    await kube.close();
  });

  const apply = (object: KubernetesObject) =>
    objects.patch(object, undefined, undefined, 'mergeplane', true, PatchStrategy.ServerSideApply);

  it('makes a claim Ready with observedGeneration, resourceRefs and a kubeconfig connection secret', async () => {
    await apply(claim('prod-eu'));
    const early = kube.store.get(ref('prod-eu'));
    expect(condition(early, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Creating',
      observedGeneration: 1,
    });
    expect(condition(early, 'Synced')).toMatchObject({ status: 'True', observedGeneration: 1 });
    expect(metadata(early).finalizers).toContain(crossplaneFinalizer);

    const ready = await waitForObject(kube.store, ref('prod-eu'), isReadyAtGeneration);
    expect(condition(ready, 'Ready')).toMatchObject({ reason: 'Available' });
    expect((ready?.status as { resourceRefs?: unknown[] } | undefined)?.resourceRefs).toEqual([
      { apiVersion: 'eks.aws.upbound.io/v1beta1', kind: 'Cluster', name: 'prod-eu-0' },
      { apiVersion: 'eks.aws.upbound.io/v1beta1', kind: 'NodeGroup', name: 'prod-eu-1' },
    ]);

    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: 'prod-eu-conn', namespace: 'team-a' });
    expect(secret.type).toBe('connection.crossplane.io/v1alpha1');
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromString(Buffer.from(secret.data?.kubeconfig ?? '', 'base64').toString('utf8'));
    expect(kubeconfig.getCurrentCluster()?.server).toBe('https://prod-eu.clusters.example');
    expect(kubeconfig.getCurrentCluster()?.caData).toEqual(expect.any(String));
    expect(kubeconfig.getCurrentUser()?.token).toMatch(/^fake-[0-9a-f]{32}$/);
  });

  it('with readyStaysOnUpdate false, re-observes a spec change as Ready=False Creating, then Ready', async () => {
    await controller.stop();
    controller = startCrossplaneController({ kube, kinds: [clusterKind], readyStaysOnUpdate: false });
    await apply(claim('grow'));
    await waitForObject(kube.store, ref('grow'), isReadyAtGeneration);
    await apply(claim('grow', { parameters: { size: 'large' } }));
    const updated = kube.store.get(ref('grow'));
    expect(generation(updated)).toBe(2);
    expect(condition(updated, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Creating',
      observedGeneration: 2,
    });
    const ready = await waitForObject(kube.store, ref('grow'), isReadyAtGeneration);
    expect(condition(ready, 'Ready')?.observedGeneration).toBe(2);
  });

  it('keeps Ready=True at the old observedGeneration after a spec change until the new one is ready', async () => {
    await apply(claim('keep'));
    await waitForObject(kube.store, ref('keep'), isReadyAtGeneration);
    await apply(claim('keep', { parameters: { size: 'large' } }));
    const updated = kube.store.get(ref('keep'));
    expect(condition(updated, 'Ready')).toMatchObject({ status: 'True', observedGeneration: 1 });
    expect(condition(updated, 'Synced')).toMatchObject({ status: 'True', observedGeneration: 2 });
    const ready = await waitForObject(kube.store, ref('keep'), isReadyAtGeneration);
    expect(condition(ready, 'Ready')?.observedGeneration).toBe(2);
  });

  it('reports a failing claim as Synced=False with ReconcileError', async () => {
    behaviour.broken = { mode: 'failing', message: 'cannot render composed resource: boom' };
    await apply(claim('broken'));
    const failed = kube.store.get(ref('broken'));
    expect(condition(failed, 'Synced')).toMatchObject({
      status: 'False',
      reason: 'ReconcileError',
      message: 'cannot render composed resource: boom',
      observedGeneration: 1,
    });
    expect(condition(failed, 'Ready')?.status).toBe('False');
  });

  it('holds a deleted claim until the Crossplane finalizer goes, then removes its connection secret', async () => {
    await apply(claim('gone'));
    await waitForObject(kube.store, ref('gone'), isReadyAtGeneration);
    await objects.delete(claim('gone'));
    const terminating = kube.store.get(ref('gone'));
    expect(metadata(terminating).deletionTimestamp).toEqual(expect.any(String));
    expect(condition(terminating, 'Ready')?.reason).toBe('Deleting');
    await waitForObject(kube.store, ref('gone'), (o) => o === undefined);
    expect(
      kube.store.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'team-a', name: 'gone-conn' }),
    ).toBeUndefined();
  });
});

describe('simulated Crossplane controller with fake timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a never-ready claim Creating, and a slow one takes ten times the delay', async () => {
    vi.useFakeTimers();
    const store = new FakeKubeStore({ namespaces: ['team-a'] });
    const controller = startCrossplaneController({
      kube: { store },
      kinds: [clusterKind],
      readyDelayMs: 100,
      behaviour: { stuck: { mode: 'never-ready' }, slow: { mode: 'slow' } },
    });
    store.create(claim('stuck'));
    store.create(claim('slow'));
    await vi.advanceTimersByTimeAsync(999);
    expect(condition(store.get(ref('slow')), 'Ready')?.status).toBe('False');
    await vi.advanceTimersByTimeAsync(1);
    expect(condition(store.get(ref('slow')), 'Ready')?.status).toBe('True');
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(condition(store.get(ref('stuck')), 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Creating',
    });
    expect(
      store.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'team-a', name: 'stuck-conn' }),
    ).toBeUndefined();
    await controller.stop();
  });

  it('publishes a v2 connection secret named by the behaviour', async () => {
    vi.useFakeTimers();
    const store = new FakeKubeStore({ namespaces: ['team-a', 'crossplane-system'] });
    const controller = startCrossplaneController({
      kube: { store },
      kinds: [clusterKind],
      behaviour: { v2: { connectionSecret: { namespace: 'crossplane-system', name: 'v2-kubeconfig' } } },
    });
    store.create({ ...claim('v2'), spec: { crossplane: {}, parameters: {} } });
    await vi.advanceTimersByTimeAsync(100);
    const secret = store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'crossplane-system',
      name: 'v2-kubeconfig',
    });
    expect(Object.keys((secret?.data as Record<string, string>) ?? {})).toEqual(['kubeconfig']);
    await controller.stop();
  });
});
