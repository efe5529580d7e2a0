import {
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ArgoAppBehaviour, type ArgoCdController, startArgoCdController } from './argocd-controller.ts';
import { type FakeKube, startFakeKubeServer } from './fake-kube-server.ts';
import { FakeKubeStore } from './fake-kube-store.ts';
import { isRecord, type KubeRecord } from './json-values.ts';
import { waitForObject } from './wait-for-object.ts';

const ref = (name: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  namespace: 'argocd',
  name,
});
const application = (name: string, automated = false): KubernetesObject & KubeRecord => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/acme/gitops.git', path: `apps/${name}`, targetRevision: 'main' },
    destination: { server: 'https://kubernetes.default.svc', namespace: name },
    ...(automated ? { syncPolicy: { automated: { prune: true } } } : {}),
  },
});

const field = (object: KubeRecord | undefined, ...path: string[]): unknown => {
  let current: unknown = object;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
};

describe('simulated Argo CD controller', () => {
  let kube: FakeKube;
  let controller: ArgoCdController;
  let objects: KubernetesObjectApi;
  const behaviour: Record<string, ArgoAppBehaviour> = {};

  beforeEach(async () => {
    for (const key of Object.keys(behaviour)) delete behaviour[key];
    kube = await startFakeKubeServer();
    controller = startArgoCdController({ kube, behaviour, tickMs: 20 });
    objects = KubernetesObjectApi.makeApiClient(kube.kubeConfig());
  });

  afterEach(async () => {
    await controller.stop();
    await kube.close();
  });

  /** A merge patch of the Application's top-level `fields` and `metadata` (as the delivery code sends it). */
  const mergePatch = (name: string, fields: KubeRecord, metadata: KubeRecord = {}) =>
    objects.patch(
      { ...ref(name), metadata: { name, namespace: 'argocd', ...metadata }, ...fields } as KubernetesObject,
      undefined,
      undefined,
      'mergeplane',
      undefined,
      PatchStrategy.MergePatch,
    );

  /** What the delivery code does: a merge patch of `operation`. */
  const requestSync = (name: string, revision: string) =>
    mergePatch(name, {
      operation: { sync: { revision, prune: true }, initiatedBy: { username: 'mergeplane' } },
    });

  /** Creates the Application, requests a sync of `revision` and waits until `done` holds for it. */
  const syncUntil = async (
    name: string,
    revision: string,
    done: (app: KubeRecord | undefined) => boolean,
  ) => {
    await objects.create(application(name));
    await requestSync(name, revision);
    return waitForObject(kube.store, ref(name), done);
  };

  /** Every (phase, sync, health) the app went through once an operation started, from store events. */
  const recordStates = (name: string): string[] => {
    const states: string[] = [];
    kube.store.watch((event) => {
      if (field(event.object, 'metadata', 'name') !== name) return;
      if (field(event.object, 'status', 'operationState') === undefined) return;
      const state = [
        field(event.object, 'status', 'operationState', 'phase'),
        field(event.object, 'status', 'sync', 'status'),
        field(event.object, 'status', 'health', 'status'),
      ].join('/');
      if (states.at(-1) !== state) states.push(state);
    });
    return states;
  };

  it('gives a new Application an initial OutOfSync/Missing status', async () => {
    await objects.create(application('fresh'));
    const app = await waitForObject(kube.store, ref('fresh'), (a) => isRecord(a?.status));
    expect(field(app, 'status', 'sync', 'status')).toBe('OutOfSync');
    expect(field(app, 'status', 'health', 'status')).toBe('Missing');
  });

  it('runs a sync operation to Succeeded, Synced and Healthy for that revision and removes operation', async () => {
    // Operation states only: the creation and the initial status are not recorded.
    const states = recordStates('guestbook');
    const app = await syncUntil(
      'guestbook',
      'abc123',
      (a) => field(a, 'status', 'health', 'status') === 'Healthy',
    );
    expect(app?.operation).toBeUndefined();
    expect(field(app, 'status', 'operationState', 'phase')).toBe('Succeeded');
    expect(field(app, 'status', 'operationState', 'syncResult', 'revision')).toBe('abc123');
    expect(field(app, 'status', 'operationState', 'operation', 'initiatedBy', 'username')).toBe('mergeplane');
    expect(field(app, 'status', 'operationState', 'finishedAt')).toEqual(expect.any(String));
    expect(field(app, 'status', 'sync')).toMatchObject({ status: 'Synced', revision: 'abc123' });
    expect(states).toEqual([
      'Running/OutOfSync/Missing',
      'Succeeded/Synced/Progressing',
      'Succeeded/Synced/Healthy',
    ]);
    expect(controller.operations).toEqual([
      { namespace: 'argocd', name: 'guestbook', revision: 'abc123', automated: false, prune: true },
    ]);
  });

  it('reports a Failed operation with its message and leaves the app out of sync', async () => {
    behaviour.broken = { result: 'Failed', message: 'one or more synchronization tasks are not valid' };
    const app = await syncUntil(
      'broken',
      'bad456',
      (a) => field(a, 'status', 'operationState', 'phase') === 'Failed',
    );
    expect(app?.operation).toBeUndefined();
    expect(field(app, 'status', 'operationState', 'message')).toBe(
      'one or more synchronization tasks are not valid',
    );
    expect(field(app, 'status', 'operationState', 'syncResult', 'revision')).toBe('bad456');
    expect(field(app, 'status', 'sync', 'status')).toBe('OutOfSync');
  });

  it('turns Degraded after a successful sync when the behaviour says so', async () => {
    behaviour.sick = { health: 'Degraded', message: 'Deployment exceeded its progress deadline' };
    const app = await syncUntil(
      'sick',
      'c0ffee',
      (a) => field(a, 'status', 'health', 'status') === 'Degraded',
    );
    expect(field(app, 'status', 'health', 'message')).toBe('Deployment exceeded its progress deadline');
    expect(field(app, 'status', 'operationState', 'phase')).toBe('Succeeded');
  });

  it('handles the refresh annotation: removed, reconciledAt set, revision compared', async () => {
    await objects.create(application('refreshed'));
    await waitForObject(kube.store, ref('refreshed'), (a) => isRecord(a?.status));
    controller.setGitHead('feed01', { refresh: false });
    await mergePatch('refreshed', {}, { annotations: { 'argocd.argoproj.io/refresh': 'hard' } });
    const app = await waitForObject(
      kube.store,
      ref('refreshed'),
      (a) => field(a, 'metadata', 'annotations', 'argocd.argoproj.io/refresh') === undefined,
    );
    expect(field(app, 'status', 'sync')).toMatchObject({ status: 'OutOfSync', revision: 'feed01' });
    expect(field(app, 'status', 'reconciledAt')).toEqual(expect.any(String));
  });

  it('syncs an automated app by itself once a refresh shows a new revision', async () => {
    await objects.create(application('auto', true));
    await waitForObject(kube.store, ref('auto'), (a) => isRecord(a?.status));
    expect(controller.operations).toEqual([]);
    controller.setGitHead('def456');
    const app = await waitForObject(
      kube.store,
      ref('auto'),
      (a) =>
        field(a, 'status', 'sync', 'revision') === 'def456' &&
        field(a, 'status', 'health', 'status') === 'Healthy',
    );
    expect(field(app, 'status', 'sync', 'status')).toBe('Synced');
    expect(controller.operations).toEqual([
      { namespace: 'argocd', name: 'auto', revision: 'def456', automated: true, prune: true },
    ]);
  });

  it('creates Applications for matching cluster Secrets and deletes them with the Secret', async () => {
    await controller.stop();
    controller = startArgoCdController({
      kube,
      applicationSets: [
        {
          name: 'guestbook-{{name}}',
          selector: { env: 'prod' },
          spec: { project: 'default', destination: { server: '{{server}}', namespace: 'guestbook' } },
        },
      ],
    });
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    const clusterSecret = (name: string, env: string) => ({
      namespace: 'argocd',
      body: {
        metadata: { name: `cluster-${name}`, labels: { 'argocd.argoproj.io/secret-type': 'cluster', env } },
        stringData: { name, server: `https://${name}.clusters.example`, config: '{}' },
      },
    });
    await core.createNamespacedSecret(clusterSecret('prod-eu', 'prod'));
    await core.createNamespacedSecret(clusterSecret('dev-eu', 'dev'));

    const app = await waitForObject(kube.store, ref('guestbook-prod-eu'), (a) => a !== undefined);
    expect(field(app, 'spec', 'destination', 'server')).toBe('https://prod-eu.clusters.example');
    expect(kube.store.get(ref('guestbook-dev-eu'))).toBeUndefined();

    await core.deleteNamespacedSecret({ name: 'cluster-prod-eu', namespace: 'argocd' });
    await waitForObject(kube.store, ref('guestbook-prod-eu'), (a) => a === undefined);
  });
});

describe('simulated Argo CD controller with fake timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A controller on a bare store (no server) with one Application `name` whose sync was just requested. */
  const syncInStore = (name: string, behaviour: ArgoAppBehaviour) => {
    const store = new FakeKubeStore();
    const controller = startArgoCdController({ kube: { store }, behaviour: { [name]: behaviour } });
    store.create(application(name));
    store.patch(ref(name), { operation: { sync: { revision: 'abc' } } });
    return { store, controller };
  };

  it('leaves a stuck app Progressing however long it waits', async () => {
    vi.useFakeTimers();
    const { store, controller } = syncInStore('stuck', { health: 'Progressing' });
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    const app = store.get(ref('stuck'));
    expect(field(app, 'status', 'operationState', 'phase')).toBe('Succeeded');
    expect(field(app, 'status', 'health', 'status')).toBe('Progressing');
    await controller.stop();
  });

  it('waits the configured delays before finishing', async () => {
    vi.useFakeTimers();
    const { store, controller } = syncInStore('slow', { syncDelayMs: 1000, healthDelayMs: 500 });
    await vi.advanceTimersByTimeAsync(999);
    expect(field(store.get(ref('slow')), 'status', 'operationState', 'phase')).toBe('Running');
    await vi.advanceTimersByTimeAsync(1);
    expect(field(store.get(ref('slow')), 'status', 'health', 'status')).toBe('Progressing');
    await vi.advanceTimersByTimeAsync(500);
    expect(field(store.get(ref('slow')), 'status', 'health', 'status')).toBe('Healthy');
    await controller.stop();
  });

  it('lets a deleted Application go once its resources finalizer is handled', async () => {
    const store = new FakeKubeStore();
    const controller = startArgoCdController({ kube: { store } });
    const withFinalizer = application('doomed');
    store.create({
      ...withFinalizer,
      metadata: {
        ...(withFinalizer.metadata as KubeRecord),
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
    });
    const result = store.delete(ref('doomed'));
    expect(result.deleted).toBe(false);
    expect(store.get(ref('doomed'))).toBeUndefined();
    await controller.stop();
  });

  it('generates Applications from ApplicationSet objects with a clusters generator', async () => {
    const store = new FakeKubeStore();
    const controller = startArgoCdController({ kube: { store }, applicationSets: [] });
    store.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'addons', namespace: 'argocd' },
      spec: {
        generators: [{ clusters: { selector: { matchLabels: { tier: 'edge' } } } }],
        template: {
          metadata: { name: 'addons-{{ .name }}' },
          spec: { project: 'default', destination: { server: '{{server}}', namespace: 'addons' } },
        },
      },
    });
    store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'edge-1',
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster', tier: 'edge' },
      },
      stringData: { name: 'edge-1', server: 'https://edge-1.clusters.example' },
    });
    expect(field(store.get(ref('addons-edge-1')), 'spec', 'destination', 'server')).toBe(
      'https://edge-1.clusters.example',
    );
    store.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: 'argocd', name: 'edge-1' },
      { metadata: { labels: { tier: 'core' } } },
    );
    expect(store.get(ref('addons-edge-1'))).toBeUndefined();
    await controller.stop();
  });
});
