import {
  ApiException,
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKube, startFakeKubeServer } from './fake-kube-server.ts';

interface Claim extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const claimType = {
  group: 'platform.example.org',
  version: 'v1alpha1',
  kind: 'ClusterClaim',
  plural: 'clusterclaims',
  namespaced: true,
};

const claimRef = (name: string, namespace = 'team-a') => ({
  apiVersion: 'platform.example.org/v1alpha1',
  kind: 'ClusterClaim',
  metadata: { name, namespace },
});

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    return { code: error.code, reason: body.reason, message: body.message };
  }
  throw new Error('expected the request to fail');
}

describe('fake kube server through @kubernetes/client-node', () => {
  let kube: FakeKube;
  let objects: KubernetesObjectApi;
  let core: CoreV1Api;
  let forbidden: (verb: string, resource: string) => boolean;

  beforeEach(async () => {
    forbidden = () => false;
    kube = await startFakeKubeServer({
      types: [claimType],
      namespaces: ['default', 'argocd', 'team-a'],
      forbid: (req) => forbidden(req.verb, req.resource),
    });
    objects = KubernetesObjectApi.makeApiClient(kube.kubeConfig());
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });

  afterEach(async () => {
    await kube.close();
  });

  it('creates, reads, lists, replaces and deletes with server-maintained metadata', async () => {
    const created = await objects.create<Claim>({ ...claimRef('one'), spec: { size: 'small' } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const firstVersion = Number(created.metadata?.resourceVersion);

    const read = await objects.read<Claim>(claimRef('one'));
    expect(read.spec).toEqual({ size: 'small' });

    const replaced = await objects.replace<Claim>({ ...read, spec: { size: 'large' } });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(firstVersion);
    expect(replaced.metadata?.generation).toBe(2);
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    const list = await objects.list<Claim>('platform.example.org/v1alpha1', 'ClusterClaim', 'team-a');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['one']);
    expect(list.metadata?.resourceVersion).toBe(replaced.metadata?.resourceVersion);

    await objects.delete(claimRef('one'));
    expect((await failure(objects.read(claimRef('one')))).reason).toBe('NotFound');
  });

  it('answers 409 AlreadyExists, 409 Conflict on a stale resourceVersion and 404 for a missing namespace', async () => {
    const created = await objects.create<Claim>({ ...claimRef('dup'), spec: { size: 'small' } });
    const exists = await failure(objects.create({ ...claimRef('dup'), spec: {} }));
    expect(exists).toMatchObject({ code: 409, reason: 'AlreadyExists' });

    await objects.replace<Claim>({ ...created, spec: { size: 'medium' } });
    const stale = await failure(objects.replace<Claim>({ ...created, spec: { size: 'large' } }));
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.message).toContain('the object has been modified');

    const missing = await failure(objects.create({ ...claimRef('x', 'nowhere'), spec: {} }));
    expect(missing).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "nowhere" not found',
    });
  });

  it('answers 403 through the forbid hook, 404 for unknown kinds and 422 for a name that does not match the URL', async () => {
    forbidden = (verb, resource) => verb === 'create' && resource === 'secrets';
    const denied = await failure(
      core.createNamespacedSecret({
        namespace: 'default',
        body: { metadata: { name: 's' }, stringData: { a: 'b' } },
      }),
    );
    expect(denied).toMatchObject({ code: 403, reason: 'Forbidden' });

    const unknown = await fetch(`${kube.url}/apis/nope.example.org/v1/things`, {
      headers: { authorization: 'Bearer fake-kube-token' },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });

    await objects.create({ ...claimRef('named'), spec: {} });
    const response = await fetch(
      `${kube.url}/apis/platform.example.org/v1alpha1/namespaces/team-a/clusterclaims/named`,
      {
        method: 'PUT',
        headers: { authorization: 'Bearer fake-kube-token', 'content-type': 'application/json' },
        body: JSON.stringify({ ...claimRef('other'), spec: {} }),
      },
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ reason: 'Invalid' });
  });

  it('rejects requests without the bearer token', async () => {
    const response = await fetch(`${kube.url}/api/v1/namespaces`);
    expect(response.status).toBe(401);
  });

  it('keeps status and spec apart: main writes ignore status, /status writes only change status', async () => {
    const created = await objects.create<Claim>({
      ...claimRef('s'),
      spec: { size: 'small' },
      status: { ready: true },
    });
    expect(created.status).toBeUndefined();

    const statusUrl = `${kube.url}/apis/platform.example.org/v1alpha1/namespaces/team-a/clusterclaims/s/status`;
    const statusPatch = await fetch(statusUrl, {
      method: 'PATCH',
      headers: { authorization: 'Bearer fake-kube-token', 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { size: 'huge' }, status: { phase: 'Creating' } }),
    });
    const afterStatus = (await statusPatch.json()) as Claim;
    expect(afterStatus.status).toEqual({ phase: 'Creating' });
    expect(afterStatus.spec).toEqual({ size: 'small' });
    expect(afterStatus.metadata?.generation).toBe(1);

    const afterMain = await objects.patch<Claim>(
      { ...claimRef('s'), spec: { size: 'medium' }, status: { phase: 'Hacked' } } as Claim,
      undefined,
      undefined,
      'test',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(afterMain.status).toEqual({ phase: 'Creating' });
    expect(afterMain.spec).toEqual({ size: 'medium' });
    expect(afterMain.metadata?.generation).toBe(2);
  });

  it('bumps generation on spec changes only, and not at all on a no-op write', async () => {
    await objects.create<Claim>({ ...claimRef('g'), spec: { size: 'small' } });
    const labelled = await objects.patch<Claim>(
      { ...claimRef('g'), metadata: { ...claimRef('g').metadata, labels: { team: 'a' } } },
      undefined,
      undefined,
      'test',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(labelled.metadata?.generation).toBe(1);
    expect(labelled.metadata?.labels).toEqual({ team: 'a' });

    const same = await objects.patch<Claim>(
      { ...claimRef('g'), spec: { size: 'small' } } as Claim,
      undefined,
      undefined,
      'test',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(same.metadata?.resourceVersion).toBe(labelled.metadata?.resourceVersion);
  });

  it('merge-patches, and removes fields patched to null', async () => {
    await objects.create<Claim>({ ...claimRef('m'), spec: { size: 'small', region: 'eu', tags: ['a'] } });
    const patched = await objects.patch<Claim>(
      { ...claimRef('m'), spec: { region: null, tags: ['b', 'c'] } } as unknown as Claim,
      undefined,
      undefined,
      'test',
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    expect(patched.spec).toEqual({ size: 'small', tags: ['b', 'c'] });
  });

  it('server-side applies: creates, merges, records managers and reports conflicts unless forced', async () => {
    const apply = (spec: Record<string, unknown>, manager: string, force?: boolean) =>
      objects.patch<Claim>(
        { ...claimRef('ssa'), spec } as Claim,
        undefined,
        undefined,
        manager,
        force,
        PatchStrategy.ServerSideApply,
      );
    const created = await apply({ size: 'small', region: 'eu' }, 'mergeplane');
    expect(created.spec).toEqual({ size: 'small', region: 'eu' });
    expect(created.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([
      ['mergeplane', 'Apply'],
    ]);

    // Another writer changes a field mergeplane owns; a plain update just takes it over.
    await objects.patch<Claim>(
      { ...claimRef('ssa'), spec: { size: 'medium', paused: true } } as Claim,
      undefined,
      undefined,
      'kubectl-edit',
      undefined,
      PatchStrategy.MergePatch,
    );

    const conflict = await failure(apply({ size: 'large', region: 'eu' }, 'mergeplane'));
    expect(conflict).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(conflict.message).toContain('conflict with "kubectl-edit"');
    expect(conflict.message).toContain('.spec.size');

    // Same value co-owns without conflict; dropping a field removes it.
    const shared = await apply({ size: 'medium' }, 'mergeplane');
    expect(shared.spec).toEqual({ size: 'medium', paused: true });

    const forced = await apply({ size: 'large' }, 'mergeplane', true);
    expect(forced.spec).toEqual({ size: 'large', paused: true });
    const managers = forced.metadata?.managedFields?.map((m) => m.manager).sort();
    expect(managers).toEqual(['kubectl-edit', 'mergeplane']);
  });

  it('stores Secret stringData as base64 data', async () => {
    const secret = await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 'creds' }, stringData: { token: 'hunter2' } },
    });
    expect(secret.data).toEqual({ token: Buffer.from('hunter2').toString('base64') });
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('Opaque');
  });

  it('supports generateName, label and field selectors on list', async () => {
    const generated = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'cfg-', labels: { tier: 'web' } } },
    });
    expect(generated.metadata?.name).toMatch(/^cfg-[a-z0-9]{5}$/);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'db', labels: { tier: 'db' } } },
    });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'plain' } } });

    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector, fieldSelector })).items
        .map((i) => i.metadata?.name)
        .sort();
    expect(await names('tier=db')).toEqual(['db']);
    expect(await names('tier in (web,db)')).toHaveLength(2);
    expect(await names('tier')).toHaveLength(2);
    expect(await names('!tier')).toEqual(['plain']);
    expect(await names('tier!=db')).toEqual([generated.metadata?.name, 'plain'].sort());
    expect(await names(undefined, 'metadata.name=plain')).toEqual(['plain']);
  });

  it('keeps an object with finalizers until they are removed', async () => {
    await objects.create<Claim>({
      ...claimRef('fin'),
      metadata: { ...claimRef('fin').metadata, finalizers: ['example.org/hold'] },
      spec: {},
    });
    await objects.delete(claimRef('fin'));
    const terminating = await objects.read<Claim>(claimRef('fin'));
    expect(terminating.metadata?.deletionTimestamp).toBeInstanceOf(Date);

    await objects.patch(
      { ...claimRef('fin'), metadata: { ...claimRef('fin').metadata, finalizers: null } } as unknown as Claim,
      undefined,
      undefined,
      'test',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect((await failure(objects.read(claimRef('fin')))).code).toBe(404);
  });

  it('pages a list with limit and continue', async () => {
    for (const name of ['a', 'b', 'c']) {
      await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name } } });
    }
    const first = await core.listNamespacedConfigMap({ namespace: 'team-a', limit: 2 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(['c']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('applies JSON patches and honours delete preconditions', async () => {
    const created = await objects.create<Claim>({ ...claimRef('jp'), spec: { size: 'small', zones: ['a'] } });
    const headers = {
      authorization: 'Bearer fake-kube-token',
      'content-type': 'application/json-patch+json',
    };
    const url = `${kube.url}/apis/platform.example.org/v1alpha1/namespaces/team-a/clusterclaims/jp`;
    const patched = await fetch(url, {
      method: 'PATCH',
      headers,
      body: JSON.stringify([
        { op: 'test', path: '/spec/size', value: 'small' },
        { op: 'add', path: '/spec/zones/-', value: 'b' },
        { op: 'replace', path: '/spec/size', value: 'large' },
      ]),
    });
    expect(((await patched.json()) as Claim).spec).toEqual({ size: 'large', zones: ['a', 'b'] });
    const failedTest = await fetch(url, {
      method: 'PATCH',
      headers,
      body: JSON.stringify([{ op: 'test', path: '/spec/size', value: 'small' }]),
    });
    expect(failedTest.status).toBe(422);

    const staleDelete = await failure(
      objects.delete(claimRef('jp'), undefined, undefined, undefined, undefined, undefined, {
        preconditions: { resourceVersion: created.metadata?.resourceVersion },
      }),
    );
    expect(staleDelete).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('creates and reads namespaces as resources', async () => {
    await core.createNamespace({ body: { metadata: { name: 'team-b' } } });
    const namespace = await core.readNamespace({ name: 'team-b' });
    expect(namespace.status?.phase).toBe('Active');
    await objects.create({ ...claimRef('in-b', 'team-b'), spec: {} });
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'argocd', 'team-a', 'team-b']));
  });
});
