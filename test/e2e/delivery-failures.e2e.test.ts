import { describe, expect, it } from 'vitest';
import { DEPLOY_STATUS_CONTEXT } from '../../src/model/delivery-plan.ts';
import { useDeliveryE2E, WRITER } from './delivery-e2e-env.ts';
import { guestbookEuReplicas, newClusterClaim, podinfoTag } from './demo-changes.ts';
import { isSyncedAt } from './e2e-cluster.ts';

const ARGO_FAILURE = 'one or more objects failed to apply: replicas exceed the namespace quota';
const GUESTBOOK = 'mergeplane/sync: guestbook-prod-eu';
const PODINFO = 'mergeplane/sync: podinfo-production';

// Mergeplane syncs automated apps itself here (a retry must start a new sync: Argo CD never retries an
// automated sync of a revision it already attempted), with the shortest timeout the config allows.
describe('post-merge delivery failures, end to end', () => {
  const suite = useDeliveryE2E({
    delivery: 'syncAutomated: true\ntimeoutSeconds: 10\ndegradedGraceSeconds: 0',
    message: 'Mergeplane syncs every app, 10 s timeout',
    argo: { 'guestbook-prod-eu': { result: 'Failed', message: ARGO_FAILURE } },
    claims: { 'prod-br': { mode: 'never-ready' } },
  });

  it('reports a failed sync with Argo CD’s message, comments on the pull request, and retries only that app', async () => {
    const { repo, e2e, main } = suite;
    const sha = repo.commit(
      main,
      { ...podinfoTag(repo, main, '6.7.2'), ...guestbookEuReplicas(repo, main, 6) },
      'podinfo 6.7.2, guestbook prod-eu 6 replicas',
    );
    await e2e.merge({ before: main, after: sha, pullNumber: 2 });
    suite.main = sha;
    await e2e.waitFinal(sha, [GUESTBOOK, PODINFO, DEPLOY_STATUS_CONTEXT]);
    await e2e.waitFor(() => e2e.github.comments.some((c) => c.issue_number === 2), 'the failure comment');

    const guestbook = e2e.statuses(sha, GUESTBOOK).at(-1);
    expect(guestbook?.state).toBe('failure');
    expect(guestbook?.description).toContain(`Failed: ${ARGO_FAILURE}`);
    expect(e2e.states(sha, PODINFO).filter((s) => s !== 'pending')).toEqual(['success']);
    const deploy = e2e.statuses(sha, DEPLOY_STATUS_CONTEXT).at(-1);
    expect(deploy?.state).toBe('failure');
    expect(deploy?.description).toMatch(/^1 of 2 failed: app guestbook-prod-eu/);
    const [comment, ...more] = e2e.github.comments.filter((c) => c.issue_number === 2);
    expect(more).toEqual([]);
    expect(comment?.body).toContain('guestbook-prod-eu');
    expect(comment?.body).toContain(ARGO_FAILURE);
    expect(comment?.body).toContain('`/mergeplane retry`');

    // The app is fixed in the cluster (say, a quota raised); a writer asks for a retry.
    delete e2e.cluster.argoBehaviour['guestbook-prod-eu'];
    const podinfoBefore = e2e.statuses(sha, PODINFO).length;
    const syncsBefore = e2e.cluster.argo.operations.filter((o) => o.revision === sha).length;
    await e2e.comment(2, '/mergeplane retry');
    await e2e.waitFor(
      () => e2e.statuses(sha, DEPLOY_STATUS_CONTEXT).at(-1)?.state === 'success',
      'the retried delivery to succeed',
    );

    expect(e2e.statuses(sha, GUESTBOOK).at(-1)?.state).toBe('success');
    expect(e2e.states(sha, GUESTBOOK).filter((s) => s !== 'pending')).toEqual(['failure', 'success']);
    // Only the failed job ran again: podinfo got no new status and no new sync.
    expect(e2e.statuses(sha, PODINFO)).toHaveLength(podinfoBefore);
    const newSyncs = e2e.cluster.argo.operations.filter((o) => o.revision === sha).slice(syncsBefore);
    expect(newSyncs.map((o) => o.name)).toEqual(['guestbook-prod-eu']);
    expect(isSyncedAt(e2e.cluster.application('guestbook-prod-eu'), sha)).toBe(true);
    expect(e2e.github.comments.map((c) => c.body)).toContainEqual(
      expect.stringMatching(/^Re-enqueued 1 failed post-merge job of merge commit/),
    );
    expect(e2e.github.reactions.length).toBeGreaterThan(0);
    expect(
      e2e.github.comments.filter((c) => c.user.login !== WRITER && c.body.includes('delivery of')),
    ).toHaveLength(1);
    e2e.github.assertRequestsMatchOpenApi();
    expect(e2e.cluster.denied).toEqual([]);
  });

  it('fails a claim that never becomes ready with its conditions, and does not leave later stages pending', async () => {
    const { repo, e2e, main } = suite;
    const sha = repo.commit(main, newClusterClaim('prod-br'), 'New workload cluster prod-br');
    await e2e.merge({ before: main, after: sha });
    suite.main = sha;
    const claim = 'mergeplane/claim: platform/prod-br';
    const generated = 'mergeplane/sync: guestbook-prod-br';
    await e2e.waitFinal(sha, [claim, generated, DEPLOY_STATUS_CONTEXT], 25_000);

    const failed = e2e.statuses(sha, claim).at(-1);
    expect(failed?.state).toBe('failure');
    expect(failed?.description).toMatch(/timed out after 10s/);
    expect(failed?.description).toContain('Creating');
    // Every other status of the merge ended too: none is left pending.
    for (const context of new Set(e2e.statuses(sha).map((s) => s.context))) {
      expect({ context, state: e2e.statuses(sha, context).at(-1)?.state }).not.toEqual({
        context,
        state: 'pending',
      });
    }
    expect(e2e.statuses(sha, generated).at(-1)).toMatchObject({
      state: 'failure',
      description: expect.stringMatching(/^not started: KubernetesCluster platform\/prod-br failed/),
    });
    expect(e2e.statuses(sha, DEPLOY_STATUS_CONTEXT).at(-1)?.state).toBe('failure');
    // The cluster was never registered.
    expect(
      e2e.cluster.kube.store.get({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'argocd',
        name: 'cluster-prod-br',
      }),
    ).toBeUndefined();
    e2e.github.assertRequestsMatchOpenApi();
    expect(e2e.cluster.denied).toEqual([]);
  });
});
