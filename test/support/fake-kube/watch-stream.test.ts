import { type KubernetesObject, KubernetesObjectApi, makeInformer, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKube, startFakeKubeServer } from './fake-kube-server.ts';

interface Received {
  type: string;
  name: string;
  object: KubernetesObject & { code?: number; reason?: string };
}

const appsPath = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
const app = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'argocd', labels },
  spec: { project: 'default' },
});
const ref = (name: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  namespace: 'argocd',
  name,
});

describe('watch through client-node Watch', () => {
  let kube: FakeKube;
  const controllers: AbortController[] = [];

  beforeEach(async () => {
    kube = await startFakeKubeServer({ watchHistoryLimit: 5 });
  });

  afterEach(async () => {
    for (const controller of controllers.splice(0)) controller.abort();
    await kube.close();
  });

  /** Starts a watch and resolves once `count` events arrived. */
  async function watch(query: Record<string, string>, count: number, path = appsPath) {
    const received: Received[] = [];
    let wake: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => {
      wake = () => {
        if (received.length >= count) resolve();
      };
    });
    let ended: unknown = 'open';
    const controller = await new Watch(kube.kubeConfig()).watch(
      path,
      query,
      (type, object: Received['object']) => {
        received.push({ type, name: String(object.metadata?.name ?? ''), object });
        wake();
      },
      (error) => {
        ended = error;
      },
    );
    controllers.push(controller);
    return { received, enough, ended: () => ended };
  }

  it('sends ADDED for existing objects without a resourceVersion, then live changes in order', async () => {
    kube.store.create(app('existing'));
    const stream = await watch({}, 3);
    kube.store.create(app('new'));
    kube.store.patch(ref('existing'), { spec: { project: 'other' } });
    await stream.enough;
    expect(stream.received.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED existing',
      'ADDED new',
      'MODIFIED existing',
    ]);
  });

  it('resumes after a resourceVersion and filters by field selector', async () => {
    const first = kube.store.create(app('a'));
    const since = String((first.metadata as { resourceVersion: string }).resourceVersion);
    kube.store.create(app('b'));
    kube.store.patch(ref('a'), { spec: { project: 'x' } });
    kube.store.delete(ref('b'));
    const stream = await watch({ resourceVersion: since, fieldSelector: 'metadata.name=b' }, 2);
    await stream.enough;
    expect(stream.received.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED b', 'DELETED b']);
  });

  it('reports objects entering and leaving a label selector as ADDED and DELETED', async () => {
    kube.store.create(app('x', { env: 'prod' }));
    const stream = await watch({ labelSelector: 'env in (prod)' }, 3);
    kube.store.patch(ref('x'), { metadata: { labels: { env: 'dev' } } });
    kube.store.patch(ref('x'), { metadata: { labels: { env: 'prod' } } });
    await stream.enough;
    expect(stream.received.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
  });

  it('answers a resourceVersion older than the kept history with a 410 ERROR event and closes', async () => {
    for (let i = 0; i < 8; i++) kube.store.create(app(`app-${i}`));
    const stream = await watch({ resourceVersion: '1' }, 1);
    await stream.enough;
    expect(stream.received[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    await expect.poll(() => stream.ended(), { timeout: 5000 }).toBeNull();
  });

  it('feeds a client-node informer (list, then watch from the list resourceVersion)', async () => {
    kube.store.create(app('listed'));
    const listVersion = kube.store.resourceVersion;
    const objects = KubernetesObjectApi.makeApiClient(kube.kubeConfig());
    const informer = makeInformer(kube.kubeConfig(), appsPath, () =>
      objects.list('argoproj.io/v1alpha1', 'Application', 'argocd'),
    );
    const seen: string[] = [];
    const watched = new Promise<void>((resolve) => {
      informer.on('add', (object) => {
        seen.push(`add ${object.metadata?.name}`);
        if (object.metadata?.name === 'watched') resolve();
      });
    });
    await informer.start();
    kube.store.create(app('watched'));
    await watched;
    await informer.stop();
    expect(seen).toEqual(['add listed', 'add watched']);
    const watchRequest = kube.requests.find((r) => r.query.includes('watch=true'));
    expect(new URLSearchParams(watchRequest?.query).get('resourceVersion')).toBe(listVersion);
  });

  it('sends bookmarks when the client allows them and the server is configured to', async () => {
    await kube.close();
    kube = await startFakeKubeServer({ watchBookmarkIntervalMs: 10 });
    const stream = await watch({ allowWatchBookmarks: 'true' }, 2);
    await stream.enough;
    expect(stream.received.map((e) => e.type)).toEqual(['BOOKMARK', 'BOOKMARK']);
    expect(stream.received[0]?.object.metadata?.resourceVersion).toBe(kube.store.resourceVersion);
  });

  it('ends open watches on close()', async () => {
    const stream = await watch({}, 0);
    await kube.close();
    await expect.poll(() => stream.ended(), { timeout: 5000 }).not.toBe('open');
  });
});
