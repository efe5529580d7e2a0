import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planDelivery } from '../../src/delivery/plan-delivery.ts';
import { DEPLOY_STATUS_CONTEXT, planTargets, statusContext } from '../../src/model/delivery-plan.ts';
import { assertRedisReachable } from '../queue/redis-test-env.ts';
import { type DeliveryE2E, startDeliveryE2E } from './delivery-e2e-env.ts';
import { ARGOCD, clusterKind, isSyncedAt } from './e2e-cluster.ts';
import { createE2ERepo, type E2ERepo } from './e2e-repo.ts';

/** A Secret's decoded `data[key]` ('' when absent). */
function secretValue(secret: Record<string, unknown> | undefined, key: string): string {
  const data = secret?.data;
  const value =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

// The Done-when of post-merge delivery: the demo repository's head commit, merged, leads to the claim ready,
// the new cluster registered, the ApplicationSet's app synced on it, and green statuses.
describe('post-merge delivery of the demo merge, end to end', () => {
  let repo: E2ERepo;
  let e2e: DeliveryE2E;
  let expectedContexts: string[];

  beforeAll(async () => {
    await assertRedisReachable();
    repo = createE2ERepo();
    // The oracle for which statuses must appear: the offline planner on the same commits.
    const plan = await planDelivery({
      repoDir: join(repo.dir, 'demo'),
      before: repo.base,
      after: repo.head,
      baseBranch: 'main',
      cacheDir: join(repo.dir, 'render-cache'),
    });
    expectedContexts = planTargets(plan).map(statusContext);
    e2e = await startDeliveryE2E({ repo, main: repo.base });
  });

  afterAll(async () => {
    await e2e?.close();
    repo?.cleanup();
  });

  it('merges demo-change: claim ready, cluster registered, generated app synced, statuses green', async () => {
    const sha = repo.head;
    await e2e.merge({ before: repo.base, after: sha, pullNumber: 1 });
    const contexts = [...expectedContexts, DEPLOY_STATUS_CONTEXT];
    await e2e.waitFinal(sha, contexts, 25_000);

    expect(expectedContexts).toEqual(
      expect.arrayContaining(['mergeplane/claim: platform/prod-sa', 'mergeplane/sync: guestbook-prod-sa']),
    );
    for (const context of contexts) {
      const states = e2e.states(sha, context);
      expect({ context, first: states[0], last: states.at(-1) }).toEqual({
        context,
        first: 'pending',
        last: 'success',
      });
      // Exactly one final state per context, and nothing red on the way.
      expect(states.filter((s) => s !== 'pending')).toEqual(['success']);
    }
    // Nothing else was reported on the merge commit.
    expect(new Set(e2e.statuses(sha).map((s) => s.context))).toEqual(new Set(contexts));
    // The push and the merged pull request's event were one delivery.
    expect(e2e.logs.filter((r) => r.msg === 'delivery queued')).toHaveLength(1);
    expect(e2e.logs.filter((r) => r.msg === 'delivery already queued')).toHaveLength(1);

    const { store } = e2e.cluster.kube;
    const claim = store.get({
      apiVersion: `${clusterKind.group}/${clusterKind.version}`,
      kind: clusterKind.kind,
      namespace: 'platform',
      name: 'prod-sa',
    });
    expect(claim?.status).toMatchObject({
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'True' }),
        expect.objectContaining({ type: 'Synced', status: 'True' }),
      ]),
    });

    const connection = store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'platform',
      name: 'prod-sa-kubeconfig',
    });
    const kubeconfig = parse(secretValue(connection, 'kubeconfig')) as {
      clusters: { cluster: { server: string } }[];
      users: { user: { token: string } }[];
    };
    const registered = store
      .list({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: ARGOCD,
        labelSelector: 'argocd.argoproj.io/secret-type=cluster',
      })
      .find((s) => secretValue(s, 'name') === 'prod-sa');
    expect(registered?.metadata).toMatchObject({ labels: { 'workload-cluster': 'true' } });
    expect(secretValue(registered, 'server')).toBe(kubeconfig.clusters[0]?.cluster.server);

    // The ApplicationSet generated the app for the new cluster, and it was synced to the merge commit.
    const generated = e2e.cluster.application('guestbook-prod-sa');
    expect(isSyncedAt(generated, sha)).toBe(true);
    expect(e2e.cluster.argo.operations).toContainEqual(
      expect.objectContaining({ name: 'guestbook-prod-sa', revision: sha }),
    );
    expect(e2e.statuses(sha, 'mergeplane/claim: platform/prod-sa').at(-1)?.description).toMatch(
      /cluster prod-sa registered/,
    );

    // No credential reaches GitHub or the logs; GitHub saw only requests its OpenAPI description allows.
    const secrets = [kubeconfig.users[0]?.user.token ?? '', e2e.cluster.token];
    const githubBodies = JSON.stringify(e2e.github.requests.map((r) => r.body ?? null));
    const logs = JSON.stringify(e2e.logs);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(16);
      expect(githubBodies).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    e2e.github.assertRequestsMatchOpenApi();
    expect(e2e.cluster.denied).toEqual([]);
  });
});
