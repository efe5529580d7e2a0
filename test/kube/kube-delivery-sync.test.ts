import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createKubeDelivery,
  type DeliveryProgress,
  type KubeDelivery,
  type SyncApplicationInput,
} from '../../src/kube/kube-delivery.ts';
import { KubePermanentError, KubeTransientError } from '../../src/kube/kube-errors.ts';
import type { ClusterGeneratorTemplate } from '../support/fake-kube/applicationset-emulation.ts';
import {
  type ArgoAppBehaviour,
  type ArgoCdController,
  startArgoCdController,
} from '../support/fake-kube/argocd-controller.ts';
import {
  type FakeKube,
  type FakeKubeAccessRequest,
  startFakeKubeServer,
} from '../support/fake-kube/fake-kube-server.ts';
import { recordingLogger } from './recording-logger.ts';
import { isWatchOf, waitForRequest } from './wait-for-request.ts';

const REV = '1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e';
const OLD = '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c';
const appRef = (name: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  namespace: 'argocd',
  name,
});

interface Env {
  kube: FakeKube;
  argo: ArgoCdController;
  delivery: KubeDelivery;
  logs: ReturnType<typeof recordingLogger>;
}

let env: Env | undefined;

afterEach(async () => {
  await env?.argo.stop();
  await env?.kube.close();
  env = undefined;
});

async function setup(
  options: {
    behaviour?: Record<string, ArgoAppBehaviour>;
    forbid?: (req: FakeKubeAccessRequest) => boolean;
    applicationSets?: ClusterGeneratorTemplate[];
  } = {},
): Promise<Env> {
  const kube = await startFakeKubeServer({ forbid: options.forbid });
  const argo = startArgoCdController({
    kube,
    behaviour: options.behaviour,
    tickMs: 20,
    applicationSets: options.applicationSets,
  });
  const logs = recordingLogger();
  const delivery = createKubeDelivery({ kubeConfig: kube.kubeConfig(), log: logs.logger, retryDelayMs: 10 });
  env = { kube, argo, delivery, logs };
  return env;
}

function createApp(kube: FakeKube, name: string, spec: Record<string, unknown> = {}) {
  kube.store.create({
    ...appRef(name),
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://github.com/acme/gitops.git', path: `apps/${name}`, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: name },
      ...spec,
    },
  });
}

function syncInput(name: string, overrides: Partial<SyncApplicationInput> = {}) {
  const progress: DeliveryProgress[] = [];
  const input: SyncApplicationInput = {
    namespace: 'argocd',
    name,
    revision: REV,
    prune: true,
    observeOnly: false,
    timeoutMs: 2_000,
    degradedGraceMs: 100,
    onProgress: (p) => progress.push(p),
    ...overrides,
  };
  return { input, progress };
}

/** Every value the Application's `.operation` took, in order (from the store's own change feed). */
function recordOperations(kube: FakeKube): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  kube.store.watch(
    (event) => {
      const operation = event.object.operation as Record<string, unknown> | undefined;
      const before = event.previous?.operation;
      if (operation && JSON.stringify(operation) !== JSON.stringify(before)) seen.push(operation);
    },
    { kind: 'Application' },
  );
  return seen;
}

describe('KubeDelivery.syncApplication', () => {
  it('sets the operation for the merge SHA and reports success once Succeeded, Synced and Healthy', async () => {
    const { kube, argo, delivery } = await setup();
    createApp(kube, 'web', { syncPolicy: { syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'] } });
    const operations = recordOperations(kube);
    const { input, progress } = syncInput('web');
    const outcome = await delivery.syncApplication(input);

    expect(outcome).toEqual({
      ok: true,
      reason: 'synced 1f3a5c7 and healthy',
      phase: 'Succeeded',
      sync: 'Synced',
      health: 'Healthy',
    });
    expect(operations).toEqual([
      {
        initiatedBy: { username: 'mergeplane', automated: false },
        sync: { revision: REV, prune: true, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'] },
      },
    ]);
    expect(argo.operations).toEqual([
      { namespace: 'argocd', name: 'web', revision: REV, automated: false, prune: true },
    ]);
    expect(progress.map((p) => p.message)).toContain(
      'sync of 1f3a5c7 running: one or more tasks are running',
    );
    expect(progress.at(-1)).toEqual({
      phase: 'Succeeded',
      sync: 'Synced',
      health: 'Healthy',
      message: 'synced 1f3a5c7 and healthy',
    });
    // Refresh then operation, both merge patches; status followed with a watch, not by polling.
    const appRequests = kube.requests.filter((r) => r.path.includes('/applications'));
    expect(
      appRequests
        .filter((r) => r.method === 'PATCH')
        .every((r) => r.contentType === 'application/merge-patch+json'),
    ).toBe(true);
    expect(
      appRequests.filter((r) => r.method === 'GET' && !r.query.includes('watch=true')).length,
    ).toBeLessThanOrEqual(3);
    expect(
      appRequests.some(
        (r) => r.query.includes('watch=true') && r.query.includes('fieldSelector=metadata.name%3Dweb'),
      ),
    ).toBe(true);
  });

  it('syncs a multi-source app with one revision per source, and reads per-source revisions back', async () => {
    const { kube, argo, delivery } = await setup();
    const sources = [
      { repoURL: 'https://github.com/acme/gitops.git', path: 'apps/web', targetRevision: 'main' },
      { repoURL: 'https://charts.example.com', chart: 'redis', targetRevision: '1.2.3' },
    ];
    createApp(kube, 'web', { source: undefined, sources });
    const operations = recordOperations(kube);
    const { input } = syncInput('web', { revisions: [REV, '1.2.3'] });
    const outcome = await delivery.syncApplication(input);

    expect(outcome).toMatchObject({ ok: true, phase: 'Succeeded', sync: 'Synced', health: 'Healthy' });
    expect(operations).toEqual([
      {
        initiatedBy: { username: 'mergeplane', automated: false },
        sync: { revisions: [REV, '1.2.3'], prune: true },
      },
    ]);
    expect(argo.operations).toEqual([
      {
        namespace: 'argocd',
        name: 'web',
        revision: REV,
        revisions: [REV, '1.2.3'],
        automated: false,
        prune: true,
      },
    ]);
    const status = kube.store.get(appRef('web'))?.status as Record<string, Record<string, unknown>>;
    expect(status.sync).toMatchObject({ status: 'Synced', revisions: [REV, '1.2.3'] });
    expect(status.sync).not.toHaveProperty('revision');
    expect(status.operationState?.syncResult).toMatchObject({ revisions: [REV, '1.2.3'], sources });
    expect(status.operationState?.syncResult).not.toHaveProperty('revision');
  });

  it("adopts a running multi-source operation that syncs the merge at this repository's source", async () => {
    const { kube, argo, delivery } = await setup({ behaviour: { web: { syncDelayMs: 100 } } });
    createApp(kube, 'web', {
      source: undefined,
      sources: [
        { repoURL: 'https://charts.example.com', chart: 'redis', targetRevision: '1.2.3' },
        { repoURL: 'https://github.com/acme/gitops.git', path: 'apps/web', targetRevision: 'main' },
      ],
    });
    kube.store.patch(appRef('web'), {
      operation: { sync: { revisions: ['1.2.3', REV] }, initiatedBy: { username: 'alice' } },
    });
    const outcome = await delivery.syncApplication(syncInput('web', { revisions: ['1.2.3', REV] }).input);
    expect(outcome.ok).toBe(true);
    expect(argo.operations.map((o) => o.revisions)).toEqual([['1.2.3', REV]]);
  });

  it("returns Argo CD's message when the sync Failed", async () => {
    const { kube, delivery } = await setup({
      behaviour: {
        web: {
          result: 'Failed',
          message: 'one or more objects failed to apply, reason: admission webhook denied',
        },
      },
    });
    createApp(kube, 'web');
    const outcome = await delivery.syncApplication(syncInput('web').input);
    expect(outcome).toMatchObject({
      ok: false,
      phase: 'Failed',
      reason: 'sync of 1f3a5c7 Failed: one or more objects failed to apply, reason: admission webhook denied',
    });
  });

  it('fails a Degraded app once the grace period has passed', async () => {
    const { kube, delivery } = await setup({
      behaviour: { web: { health: 'Degraded', message: 'Deployment exceeded its progress deadline' } },
    });
    createApp(kube, 'web');
    const outcome = await delivery.syncApplication(syncInput('web', { degradedGraceMs: 50 }).input);
    expect(outcome).toMatchObject({
      ok: false,
      health: 'Degraded',
      reason: 'health Degraded: Deployment exceeded its progress deadline',
    });
  });

  it('does not fail a Degraded app within the grace period', async () => {
    const { kube, delivery } = await setup({
      behaviour: { web: { health: 'Degraded', message: 'Deployment exceeded its progress deadline' } },
    });
    createApp(kube, 'web');
    const outcome = await delivery.syncApplication(
      syncInput('web', { degradedGraceMs: 60_000, timeoutMs: 800 }).input,
    );
    expect(outcome).toMatchObject({
      ok: false,
      timedOut: true,
      reason:
        'timed out after 0.8s: health Degraded, waiting out the grace period: Deployment exceeded its progress deadline',
    });
  });

  it('times out with the last state when health stays Progressing', async () => {
    const { kube, delivery } = await setup({ behaviour: { web: { health: 'Progressing' } } });
    createApp(kube, 'web');
    const outcome = await delivery.syncApplication(syncInput('web', { timeoutMs: 800 }).input);
    expect(outcome).toMatchObject({
      ok: false,
      timedOut: true,
      reason: 'timed out after 0.8s: health Progressing',
      health: 'Progressing',
    });
  });

  it('waits for a running operation of another revision to finish before setting its own', async () => {
    const { kube, argo, delivery } = await setup({ behaviour: { web: { syncDelayMs: 200 } } });
    createApp(kube, 'web');
    kube.store.patch(appRef('web'), {
      operation: { sync: { revision: OLD }, initiatedBy: { username: 'alice' } },
    });
    const { input, progress } = syncInput('web');
    const outcome = await delivery.syncApplication(input);
    expect(outcome.ok).toBe(true);
    // Had ours overwritten the running one, Argo CD would have dropped it and only OLD would be listed.
    expect(argo.operations.map((o) => o.revision)).toEqual([OLD, REV]);
    expect(progress[0]?.message).toBe(
      'waiting for the running operation (0b1c2d3) to finish before syncing 1f3a5c7',
    );
  });

  it('never sets two operations when several workers sync the same revision', async () => {
    const { kube, argo } = await setup({ behaviour: { web: { syncDelayMs: 100 } } });
    createApp(kube, 'web');
    const operations = recordOperations(kube);
    // Each worker asks for a different prune flag, so an overwritten operation would show as a second one.
    const workers = [true, false, true, false].map((prune) => ({
      prune,
      delivery: createKubeDelivery({ kubeConfig: kube.kubeConfig(), retryDelayMs: 10 }),
    }));
    const outcomes = await Promise.all(
      workers.map((w) => w.delivery.syncApplication(syncInput('web', { prune: w.prune }).input)),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
    expect(operations).toHaveLength(1);
    expect(argo.operations).toHaveLength(1);
  });

  it('waits for an ApplicationSet-generated Application to appear once its cluster is registered', async () => {
    const { kube, delivery } = await setup({
      applicationSets: [
        {
          name: 'guestbook-{{name}}',
          spec: { destination: { server: '{{server}}', namespace: 'guestbook' } },
        },
      ],
    });
    const { input, progress } = syncInput('guestbook-prod-eu');
    const pending = delivery.syncApplication(input);
    const appsPath = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
    void waitForRequest(kube, isWatchOf(appsPath)).then(() => {
      const kubeconfigYaml = stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        clusters: [{ name: 'c', cluster: { server: 'https://prod-eu.clusters.example' } }],
        users: [{ name: 'u', user: { token: 't' } }],
      });
      kube.store.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'prod-eu-conn', namespace: 'argocd' },
        data: { kubeconfig: Buffer.from(kubeconfigYaml).toString('base64') },
      });
      void delivery.registerCluster({
        claim: {
          apiVersion: 'platform.example.org/v1alpha1',
          kind: 'ClusterClaim',
          namespace: 'argocd',
          name: 'prod-eu',
        },
        connectionSecret: { namespace: 'argocd', name: 'prod-eu-conn' },
        clusterName: 'prod-eu',
        labels: {},
        argocdNamespace: 'argocd',
      });
    });
    const outcome = await pending;
    expect(outcome.ok).toBe(true);
    expect(progress[0]?.message).toBe(
      'Application argocd/guestbook-prod-eu does not exist yet; waiting for it to be created (e.g. by an ApplicationSet)',
    );
  });

  it('only observes an automated app: refresh, then wait for its own sync of the revision', async () => {
    const { kube, argo, delivery } = await setup();
    createApp(kube, 'auto', { syncPolicy: { automated: { prune: true } } });
    argo.setGitHead(REV, { refresh: false });
    const operations = recordOperations(kube);
    const outcome = await delivery.syncApplication(syncInput('auto', { observeOnly: true }).input);
    expect(outcome).toMatchObject({ ok: true, sync: 'Synced', health: 'Healthy' });
    expect(argo.operations).toEqual([
      { namespace: 'argocd', name: 'auto', revision: REV, automated: true, prune: true },
    ]);
    expect(operations.every((o) => (o.initiatedBy as Record<string, unknown>).automated === true)).toBe(true);
    const patches = kube.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith('/applications/auto'),
    );
    expect(patches).toHaveLength(1);
  });

  it('observes an automated multi-source app until its own sync reaches the merge at our source', async () => {
    const { kube, argo, delivery } = await setup();
    createApp(kube, 'auto', {
      source: undefined,
      sources: [
        { repoURL: 'https://github.com/acme/gitops.git', path: 'apps/auto', targetRevision: 'main' },
        { repoURL: 'https://charts.example.com', chart: 'redis', targetRevision: '1.2.3' },
      ],
      syncPolicy: { automated: { prune: true } },
    });
    argo.setGitHead(REV, { refresh: false });
    const input = syncInput('auto', { observeOnly: true, revisions: [REV, '1.2.3'] }).input;
    const outcome = await delivery.syncApplication(input);
    expect(outcome).toMatchObject({ ok: true, sync: 'Synced', health: 'Healthy' });
    // Argo CD's own sync, once the refresh saw the new head: nothing was set by us.
    expect(argo.operations.map((o) => [o.name, o.revisions, o.automated])).toEqual([
      ['auto', [REV, '1.2.3'], true],
    ]);
  });

  it('turns 403 Forbidden into KubePermanentError', async () => {
    const { kube, delivery } = await setup({
      forbid: (req) => req.verb === 'patch' && req.resource === 'applications',
    });
    createApp(kube, 'web');
    const error = await delivery.syncApplication(syncInput('web').input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubePermanentError);
    expect((error as KubePermanentError).status).toBe(403);
    expect((error as KubePermanentError).reason).toMatch(
      /^patch Application argocd\/web: HTTP 403 \(.*cannot patch resource "applications"/,
    );
  });

  it('turns an unreachable API server into KubeTransientError after retrying', async () => {
    const { kube } = await setup();
    const kubeConfig = kube.kubeConfig();
    await env?.argo.stop();
    await kube.close();
    env = undefined;
    const delivery = createKubeDelivery({ kubeConfig, retryDelayMs: 5 });
    const error = await delivery.syncApplication(syncInput('web').input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeTransientError);
    expect((error as KubeTransientError).reason).toMatch(/network error \(ECONNREFUSED\)$/);
  });

  it('stops watching and returns when aborted', async () => {
    const { kube, delivery } = await setup({ behaviour: { web: { health: 'Progressing' } } });
    createApp(kube, 'web');
    const controller = new AbortController();
    const { input } = syncInput('web', { timeoutMs: 10_000, signal: controller.signal });
    const pending = delivery.syncApplication(input);
    const watching = isWatchOf('/apis/argoproj.io/v1alpha1/namespaces/argocd/applications');
    await waitForRequest(kube, watching);
    controller.abort();
    const outcome = await pending;
    expect(outcome).toMatchObject({ ok: false, aborted: true });
    expect(outcome.reason).toMatch(/^aborted: /);
    // The watch connection is closed, not left open until the timeout.
    await waitForRequest(kube, (r) => watching(r) && r.status !== undefined);
  });
});
