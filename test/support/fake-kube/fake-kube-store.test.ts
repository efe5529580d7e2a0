import { describe, expect, it } from 'vitest';
import { FakeKubeApiError } from './fake-kube-api-error.ts';
import { FakeKubeStore, type StoreEvent } from './fake-kube-store.ts';
import type { KubeRecord } from './json-values.ts';

const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace: 'argocd' };
const secret = { apiVersion: 'v1', kind: 'Secret', namespace: 'default' };
const meta = (object: KubeRecord | undefined) =>
  (object?.metadata ?? {}) as { resourceVersion?: string; generation?: number; managedFields?: unknown[] };

function errorOf(run: () => unknown): FakeKubeApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof FakeKubeApiError) return error;
    throw error;
  }
  throw new Error('expected a FakeKubeApiError');
}

describe('FakeKubeStore', () => {
  it('bumps generation on status writes of an Application, which has no status subresource', () => {
    const store = new FakeKubeStore();
    store.create({ ...app, metadata: { name: 'a', namespace: 'argocd' }, spec: { project: 'default' } });
    const patched = store.patchStatus({ ...app, name: 'a' }, { reconciledAt: 'now' });
    expect(meta(patched).generation).toBe(2);
    const labelled = store.patch({ ...app, name: 'a' }, { metadata: { labels: { x: 'y' } } });
    expect(meta(labelled).generation).toBe(2);
  });

  it('requires resourceVersion on updates of custom resources but not of Secrets', () => {
    const store = new FakeKubeStore();
    store.create({ ...app, metadata: { name: 'a', namespace: 'argocd' }, spec: {} });
    const missing = errorOf(() =>
      store.update({ ...app, metadata: { name: 'a', namespace: 'argocd' }, spec: { project: 'x' } }),
    );
    expect(missing).toMatchObject({ code: 422, reason: 'Invalid' });

    store.create({ ...secret, metadata: { name: 's', namespace: 'default' }, stringData: { a: 'b' } });
    const updated = store.update({
      ...secret,
      metadata: { name: 's', namespace: 'default' },
      stringData: { a: 'c' },
    });
    expect(updated.data).toEqual({ a: Buffer.from('c').toString('base64') });
  });

  it('rejects Secret data that is not base64', () => {
    const store = new FakeKubeStore();
    const error = errorOf(() =>
      store.create({ ...secret, metadata: { name: 's', namespace: 'default' }, data: { a: 'not base64!' } }),
    );
    expect(error).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(error.message).not.toContain('not base64!');
  });

  it('leaves the resourceVersion alone on a no-op write and emits no event', () => {
    const store = new FakeKubeStore();
    const created = store.create({
      ...app,
      metadata: { name: 'a', namespace: 'argocd' },
      spec: { project: 'p' },
    });
    const events: StoreEvent[] = [];
    store.watch((event) => events.push(event));
    const same = store.patch({ ...app, name: 'a' }, { spec: { project: 'p' } });
    expect(meta(same).resourceVersion).toBe(meta(created).resourceVersion);
    expect(events).toEqual([]);
  });

  it('delivers events in commit order to every listener, even when a listener writes', () => {
    const store = new FakeKubeStore();
    const seen: Record<string, string[]> = { writer: [], reader: [] };
    store.watch((event) => {
      seen.writer?.push(`${event.type} ${String(meta(event.object).resourceVersion)}`);
      if (event.type === 'ADDED') store.patch({ ...app, name: 'a' }, { spec: { touched: true } });
    });
    store.watch((event) => {
      seen.reader?.push(`${event.type} ${String(meta(event.object).resourceVersion)}`);
    });
    store.create({ ...app, metadata: { name: 'a', namespace: 'argocd' }, spec: {} });
    expect(seen.reader).toEqual(seen.writer);
    expect(seen.reader?.map((e) => e.split(' ')[0])).toEqual(['ADDED', 'MODIFIED']);
  });

  it('deletes the contents of a deleted namespace', () => {
    const store = new FakeKubeStore({ namespaces: ['team'] });
    store.create({ ...secret, metadata: { name: 's', namespace: 'team' } });
    store.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'team' });
    expect(store.get({ ...secret, namespace: 'team', name: 's' })).toBeUndefined();
    expect(errorOf(() => store.create({ ...secret, metadata: { name: 's', namespace: 'team' } })).code).toBe(
      404,
    );
  });

  it('reports history that no longer reaches back as expired', () => {
    const store = new FakeKubeStore({ watchHistoryLimit: 3 });
    for (const name of ['a', 'b', 'c', 'd'])
      store.create({ ...secret, metadata: { name, namespace: 'default' } });
    const type = store.resolveType('v1', 'Secret');
    expect(store.eventsSince(type, 1)).toBe('expired');
    const recent = store.eventsSince(type, Number(store.resourceVersion) - 2);
    expect(recent).not.toBe('expired');
    expect(Array.isArray(recent) ? recent.map((e) => e.type) : []).toEqual(['ADDED', 'ADDED']);
  });

  it('removes fields a manager stops applying, unless another manager owns them', () => {
    const store = new FakeKubeStore();
    const ref = { ...app, name: 'ssa' };
    const applied = (spec: KubeRecord) => ({ ...app, metadata: { name: 'ssa', namespace: 'argocd' }, spec });
    store.patch(ref, applied({ a: 1, b: 2, c: 3 }), { type: 'apply', fieldManager: 'mergeplane' });
    store.patch(ref, { spec: { c: 30 } }, { fieldManager: 'someone-else' });
    const after = store.patch(ref, applied({ a: 1 }), { type: 'apply', fieldManager: 'mergeplane' });
    expect(after.spec).toEqual({ a: 1, c: 30 });
  });
});
