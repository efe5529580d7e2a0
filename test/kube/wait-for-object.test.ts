import { afterEach, describe, expect, it } from 'vitest';
import { KubePermanentError } from '../../src/kube/kube-errors.ts';
import { createKubeObjectClient, type KubeRecord } from '../../src/kube/kube-object-client.ts';
import { type WaitCheck, waitForObject } from '../../src/kube/wait-for-object.ts';
import { isRecord } from '../../src/model/kube-object.ts';
import {
  type FakeKube,
  type FakeKubeOptions,
  startFakeKubeServer,
} from '../support/fake-kube/fake-kube-server.ts';
import { isWatchOf, waitForRequest } from './wait-for-request.ts';

const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'flag' };

let kube: FakeKube | undefined;

afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

async function start(options: FakeKubeOptions = {}) {
  kube = await startFakeKubeServer(options);
  const client = createKubeObjectClient({
    kubeConfig: kube.kubeConfig(),
    fieldManager: 'mergeplane',
    retryDelayMs: 10,
  });
  return { kube, client };
}

const whenGo = (object: KubeRecord | undefined): WaitCheck<string> => {
  const data = object && isRecord(object.data) ? object.data : {};
  return data.go === 'yes' ? { done: true, value: String(data.go) } : { done: false };
};

const watchRequests = (fake: FakeKube) =>
  fake.requests.filter(isWatchOf('/api/v1/namespaces/default/configmaps'));
const listRequests = (fake: FakeKube) =>
  fake.requests.filter(
    (r) => r.path === '/api/v1/namespaces/default/configmaps' && !r.query.includes('watch=true'),
  );

describe('waitForObject', () => {
  it('resumes from the last resourceVersion when the server ends the watch', async () => {
    const { kube, client } = await start();
    kube.store.create({ ...ref, metadata: { name: 'flag', namespace: 'default' }, data: { go: 'no' } });
    const watching = isWatchOf('/api/v1/namespaces/default/configmaps');
    // A change during the first watch, the awaited one only once the server ended it and we resumed.
    void waitForRequest(kube, watching).then(() => kube.store.patch(ref, { data: { step: '1' } }));
    void waitForRequest(kube, watching, 2).then(() => kube.store.patch(ref, { data: { go: 'yes' } }));
    const result = await waitForObject({
      client,
      ref,
      deadlineMs: Date.now() + 5_000,
      check: whenGo,
      watchTimeoutSeconds: 1,
      retryDelayMs: 10,
    });
    expect(result.status).toBe('done');
    const watches = watchRequests(kube);
    expect(watches.length).toBeGreaterThanOrEqual(2);
    const metadata = (kube.store.get(ref)?.metadata ?? {}) as Record<string, unknown>;
    const finalVersion = Number(metadata.resourceVersion);
    // The second watch starts where the first stopped (at the step-1 change, the one before the final
    // write), without a new list.
    const second = new URLSearchParams(watches[1]?.query).get('resourceVersion');
    expect(Number(second)).toBe(finalVersion - 1);
    expect(listRequests(kube)).toHaveLength(1);
  });

  it('re-reads when its resourceVersion has expired (410 Gone)', async () => {
    const { kube, client } = await start({ watchHistoryLimit: 2 });
    for (let i = 0; i < 5; i += 1)
      kube.store.create({ ...ref, metadata: { name: `noise-${i}`, namespace: 'default' } });
    kube.store.create({ ...ref, metadata: { name: 'flag', namespace: 'default' }, data: { go: 'yes' } });
    const result = await waitForObject({
      client,
      ref,
      deadlineMs: Date.now() + 2_000,
      check: whenGo,
      initial: { object: undefined, resourceVersion: '1' },
      retryDelayMs: 10,
    });
    expect(result).toMatchObject({ status: 'done', value: 'yes' });
    expect(listRequests(kube)).toHaveLength(1);
  });

  it('evaluates again at the time a check asks for, without any change', async () => {
    const { client } = await start();
    const startedAt = Date.now();
    const result = await waitForObject({
      client,
      ref,
      deadlineMs: Date.now() + 2_000,
      check: () =>
        Date.now() - startedAt >= 100
          ? { done: true, value: 'late' }
          : { done: false, recheckAtMs: startedAt + 100 },
    });
    expect(result).toMatchObject({ status: 'done', value: 'late' });
  });

  it('throws KubePermanentError when the watch is forbidden', async () => {
    const { kube, client } = await start({ forbid: (req) => req.verb === 'watch' });
    kube.store.create({ ...ref, metadata: { name: 'flag', namespace: 'default' } });
    const error = await waitForObject({ client, ref, deadlineMs: Date.now() + 2_000, check: whenGo }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KubePermanentError);
    expect((error as KubePermanentError).status).toBe(403);
  });
});
