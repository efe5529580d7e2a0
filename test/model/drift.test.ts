import { describe, expect, it } from 'vitest';
import { appDriftReasons, claimDriftReasons, driftItems } from '../../src/model/drift.ts';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const app = { namespace: 'argocd', name: 'web', tracksBranch: true };
const live = (status: Record<string, unknown>) => ({ status });

// Argo CD reports sync status (Synced/OutOfSync), health (Healthy/Progressing/Degraded/Missing…) and the
// operation it runs or ran last (`status.operationState`); Crossplane reports Synced and Ready conditions.
describe('drift of an Application', () => {
  it('is none for an app Synced and Healthy at the head', () => {
    const synced = live({ sync: { status: 'Synced', revision: HEAD }, health: { status: 'Healthy' } });
    expect(appDriftReasons(app, synced, { head: HEAD, deliveryPending: false })).toEqual([]);
  });

  it('counts OutOfSync and absence only while no delivery is pending; Degraded and Missing always', () => {
    const outOfSync = live({ sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } });
    expect(appDriftReasons(app, outOfSync, { head: HEAD, deliveryPending: false })).toHaveLength(1);
    expect(appDriftReasons(app, outOfSync, { head: HEAD, deliveryPending: true })).toEqual([]);
    expect(appDriftReasons(app, undefined, { head: HEAD, deliveryPending: false })[0]).toContain(
      'not in the cluster',
    );
    expect(appDriftReasons(app, undefined, { head: HEAD, deliveryPending: true })).toEqual([]);
    for (const health of ['Degraded', 'Missing']) {
      const sick = live({ sync: { status: 'Synced' }, health: { status: health } });
      expect(appDriftReasons(app, sick, { head: HEAD, deliveryPending: true })).toEqual([health]);
    }
  });

  it('names an operation running, or started by hand, at another revision than the head', () => {
    const running = live({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
      operationState: { phase: 'Running', operation: { sync: { revision: OLD } } },
    });
    expect(appDriftReasons(app, running, { head: HEAD, deliveryPending: false })[0]).toContain('bbbbbbb');
    const rollback = live({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
      operationState: {
        phase: 'Succeeded',
        operation: { sync: { revision: OLD }, initiatedBy: { username: 'alice' } },
      },
    });
    expect(appDriftReasons(app, rollback, { head: HEAD, deliveryPending: false })[0]).toContain(
      'started by hand',
    );
    // An automated sync that finished at an older commit is what Argo CD leaves when later merges did not touch it.
    const automated = live({
      sync: { status: 'Synced' },
      health: { status: 'Healthy' },
      operationState: {
        phase: 'Succeeded',
        operation: { sync: { revision: OLD }, initiatedBy: { automated: true } },
      },
    });
    expect(appDriftReasons(app, automated, { head: HEAD, deliveryPending: false })).toEqual([]);
    // A pinned targetRevision is not the branch's to judge.
    expect(
      appDriftReasons({ ...app, tracksBranch: false }, running, { head: HEAD, deliveryPending: false }),
    ).toEqual([]);
  });
});

describe('drift of a claim', () => {
  it('names each condition that is not True, with its reason', () => {
    const claim = live({
      conditions: [
        { type: 'Synced', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'Creating' },
      ],
    });
    expect(claimDriftReasons(claim, { deliveryPending: false })).toEqual(['not Ready: Creating']);
    expect(claimDriftReasons(undefined, { deliveryPending: false })).toEqual(['not in the cluster']);
    expect(claimDriftReasons(claim, { deliveryPending: true })).toEqual([]);
  });
});

describe('drift items', () => {
  it('carry "since" over from the last check and name what could not be read', () => {
    const items = driftItems({
      definitions: { sha: HEAD, branch: 'main', apps: [app, { ...app, name: 'api' }], claims: [] },
      liveApps: new Map([['app:argocd/web', live({ sync: { status: 'OutOfSync' } })]]),
      liveClaims: new Map(),
      unreadable: new Map([['app:argocd/api', 'applications is forbidden']]),
      deliveryPending: false,
      since: { 'app:argocd/web': '2026-12-01T00:00:00.000Z' },
      now: new Date('2026-12-04T00:00:00Z'),
    });
    expect(items).toEqual([
      expect.objectContaining({ key: 'app:argocd/web', since: '2026-12-01T00:00:00.000Z' }),
      expect.objectContaining({
        key: 'app:argocd/api',
        reasons: ['could not be read: applications is forbidden'],
        since: '2026-12-04T00:00:00.000Z',
      }),
    ]);
  });
});
