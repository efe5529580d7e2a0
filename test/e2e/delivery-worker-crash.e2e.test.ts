import { describe, expect, it } from 'vitest';
import { DEPLOY_STATUS_CONTEXT } from '../../src/model/delivery-plan.ts';
import { createDeliverWorkerFactory } from '../../src/server/deliver-worker-factory.ts';
import { E2E_TUNING, useDeliveryE2E } from './delivery-e2e-env.ts';
import { podinfoTag } from './demo-changes.ts';
import { isSyncedAt } from './e2e-cluster.ts';

const PODINFO = 'mergeplane/sync: podinfo-production';
// Locks that lapse within a second, so a dead worker's job is taken over quickly.
const TUNING = { ...E2E_TUNING, lockDuration: 1_000, stalledInterval: 300 };

describe('a delivery worker that dies mid-sync, end to end', () => {
  const suite = useDeliveryE2E({
    delivery: 'syncAutomated: true',
    message: 'Mergeplane syncs',
    workers: [],
    // The sync takes long enough to kill the worker while it runs.
    argo: { 'podinfo-production': { syncDelayMs: 2_500 } },
  });

  it('lets another worker finish the job: one sync in Argo CD, each final status posted once', async () => {
    const { repo, e2e, main } = suite;
    // Shutdown without grace: the worker drops its running jobs as a crashed process would.
    const first = await e2e.startWorkers([createDeliverWorkerFactory(TUNING)], { shutdownGraceMs: 0 });
    const sha = repo.commit(main, podinfoTag(repo, main, '6.7.2'), 'podinfo 6.7.2');
    // Argo CD has not polled yet: only Mergeplane's sync operation moves the app.
    await e2e.merge({ before: main, after: sha, argo: false });
    await e2e.waitFor(
      () =>
        e2e.cluster.argo.operations.some((o) => o.name === 'podinfo-production' && o.revision === sha) &&
        e2e.statuses(sha, PODINFO).some((s) => s.description?.startsWith('Syncing')),
      'the sync to run',
    );
    await first.close();
    expect(e2e.statuses(sha, PODINFO).at(-1)?.state).toBe('pending');

    await e2e.startWorkers([createDeliverWorkerFactory(TUNING)]);
    await e2e.waitFinal(sha, [PODINFO, DEPLOY_STATUS_CONTEXT]);

    for (const context of [PODINFO, DEPLOY_STATUS_CONTEXT]) {
      expect(e2e.states(sha, context).filter((s) => s !== 'pending')).toEqual(['success']);
    }
    // The second worker adopted the running operation instead of starting another sync.
    const syncs = e2e.cluster.argo.operations.filter(
      (o) => o.name === 'podinfo-production' && o.revision === sha,
    );
    expect(syncs).toEqual([expect.objectContaining({ automated: false })]);
    expect(e2e.logs.map((r) => r.msg)).toContain(
      'an operation for this revision is already in flight; observing it',
    );
    expect(isSyncedAt(e2e.cluster.application('podinfo-production'), sha)).toBe(true);
    expect(
      e2e.logs.filter(
        (r) => r.msg === 'deliver target finished' && r.target === 'sync-argocd-podinfo-production',
      ),
    ).toHaveLength(1);
    e2e.github.assertRequestsMatchOpenApi();
    expect(e2e.cluster.denied).toEqual([]);
  });
});
