import { describe, expect, it } from 'vitest';
import { DEPLOY_STATUS_CONTEXT } from '../../src/model/delivery-plan.ts';
import { createDeliverWorkerFactory } from '../../src/server/deliver-worker-factory.ts';
import { E2E_TUNING, useDeliveryE2E } from './delivery-e2e-env.ts';
import { podinfoTag } from './demo-changes.ts';
import { isSyncedAt } from './e2e-cluster.ts';

const PODINFO = 'mergeplane/sync: podinfo-production';

describe('superseded merges, end to end', () => {
  const suite = useDeliveryE2E({
    delivery: 'timeoutSeconds: 10',
    message: '10 s timeout',
    // Webhooks only at first: both merges are queued before any worker runs.
    workers: [],
    env: { MERGEPLANE_WORKER_CONCURRENCY: '1' },
  });

  const merge = async (tag: string, options: { argo?: boolean } = {}) => {
    const { repo, e2e, main: before } = suite;
    const sha = repo.commit(before, podinfoTag(repo, before, tag), `podinfo ${tag}`);
    await e2e.merge({ before, after: sha, ...options });
    suite.main = sha;
    return sha;
  };
  const descriptions = (sha: string) => suite.e2e.statuses(sha, PODINFO).map((s) => s.description ?? '');
  // The one deliver worker process of this file (one claim/sync at a time: MERGEPLANE_WORKER_CONCURRENCY=1).
  let workerStarted = false;
  const startWorker = async () => {
    if (workerStarted) return;
    workerStarted = true;
    await suite.e2e.startWorkers([createDeliverWorkerFactory(E2E_TUNING)]);
  };

  it('reports the older of two queued merges of an app as superseded, and syncs the newer', async () => {
    const { e2e } = suite;
    const older = await merge('6.7.2');
    const newer = await merge('6.7.3');
    await startWorker();
    await e2e.waitFinal(older, [PODINFO, DEPLOY_STATUS_CONTEXT]);
    await e2e.waitFinal(newer, [PODINFO, DEPLOY_STATUS_CONTEXT]);

    expect(e2e.statuses(older, PODINFO).at(-1)).toMatchObject({
      state: 'success',
      description: `Superseded by ${newer.slice(0, 7)}`,
    });
    // Never a synced claim for the older merge.
    expect(descriptions(older).filter((d) => /synced/i.test(d))).toEqual([]);
    expect(e2e.statuses(older, DEPLOY_STATUS_CONTEXT).at(-1)).toMatchObject({
      state: 'success',
      description: 'Nothing left to deliver: 1 superseded by newer merges',
    });
    expect(e2e.statuses(newer, PODINFO).at(-1)).toMatchObject({
      state: 'success',
      description: expect.stringContaining(`synced ${newer.slice(0, 7)}`),
    });
    expect(isSyncedAt(e2e.cluster.application('podinfo-production'), newer)).toBe(true);
  });

  it('never syncs an older merge whose push arrives only after a newer merge of the app was delivered', async () => {
    const { e2e, repo } = suite;
    await startWorker();
    const before = suite.main;
    const older = repo.commit(before, podinfoTag(repo, before, '6.7.8'), 'podinfo 6.7.8');
    const newer = repo.commit(older, podinfoTag(repo, older, '6.7.9'), 'podinfo 6.7.9');
    // The newer merge's push comes first (the older one's delivery failed and GitHub redelivers it later).
    await e2e.merge({ before: older, after: newer });
    suite.main = newer;
    await e2e.waitFinal(newer, [PODINFO, DEPLOY_STATUS_CONTEXT]);
    expect(isSyncedAt(e2e.cluster.application('podinfo-production'), newer)).toBe(true);

    await e2e.merge({ before, after: older, late: true });
    await e2e.waitFinal(older, [PODINFO, DEPLOY_STATUS_CONTEXT]);
    // The branch's history, not arrival order, says which merge is newer.
    expect(e2e.statuses(older, PODINFO).at(-1)).toMatchObject({
      state: 'success',
      description: `Superseded by ${newer.slice(0, 7)}`,
    });
    expect(e2e.cluster.argo.operations.map((o) => o.revision)).not.toContain(older);
    expect(isSyncedAt(e2e.cluster.application('podinfo-production'), newer)).toBe(true);
  });

  it('stops waiting for an older merge that Argo CD skipped for a newer one, and reports it superseded', async () => {
    const { e2e } = suite;
    // One worker whose only target slot the older sync holds: the newer merge is planned on the parents' queue.
    await startWorker();
    // Argo CD has not polled Git since this merge: it will only ever see the next one.
    const older = await merge('6.7.4', { argo: false });
    await e2e.waitFor(
      () => descriptions(older).some((d) => d.startsWith('Waiting for Argo CD to sync')),
      'the older merge to wait for Argo CD',
    );
    const newer = await merge('6.7.5');
    await e2e.waitFinal(older, [PODINFO, DEPLOY_STATUS_CONTEXT]);
    await e2e.waitFinal(newer, [PODINFO, DEPLOY_STATUS_CONTEXT]);

    // The newer merge's pending statuses came while the older sync still waited for Argo CD.
    const all = e2e.github.statuses;
    const newerPending = all.findIndex((s) => s.sha === newer && s.context === PODINFO);
    const olderFinal = all.findIndex(
      (s) => s.sha === older && s.context === PODINFO && s.state !== 'pending',
    );
    expect(all[newerPending]).toMatchObject({ state: 'pending', description: 'Queued' });
    expect(newerPending).toBeLessThan(olderFinal);
    expect(
      all
        .slice(0, newerPending)
        .filter((s) => s.sha === older && s.context === PODINFO)
        .at(-1)?.description,
    ).toMatch(/^Waiting for Argo CD to sync/);
    expect(all.slice(0, olderFinal).some((s) => s.sha === newer && s.context === DEPLOY_STATUS_CONTEXT)).toBe(
      true,
    );
    expect(e2e.statuses(older, PODINFO).at(-1)).toMatchObject({
      state: 'success',
      description: `Superseded by ${newer.slice(0, 7)}`,
    });
    expect(descriptions(older).filter((d) => /synced/i.test(d) && !d.startsWith('Waiting'))).toEqual([]);
    expect(e2e.statuses(newer, PODINFO).at(-1)?.state).toBe('success');
    expect(e2e.cluster.argo.operations.map((o) => o.revision)).not.toContain(older);
    expect(isSyncedAt(e2e.cluster.application('podinfo-production'), newer)).toBe(true);
    const deliverWorkers = e2e.logs.filter(
      (r) => r.msg === 'mergeplane started' && (r.workers as string[] | undefined)?.includes('deliver'),
    );
    expect(deliverWorkers).toHaveLength(1);
    e2e.github.assertRequestsMatchOpenApi();
    expect(e2e.cluster.denied).toEqual([]);
  });
});
