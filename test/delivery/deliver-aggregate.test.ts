import { describe, expect, it } from 'vitest';
import { deliveryProgress } from '../../src/delivery/deliver-aggregate.ts';
import { MAX_STATUS_DESCRIPTION } from '../../src/github/commit-status.ts';
import type { TargetResult } from '../../src/queue/deliver-job.ts';
import { claimTarget, planOf, syncTarget } from './deliver-test-env.ts';

const SHA = '1111111111111111111111111111111111111111';
const ok = (key: string): TargetResult => ({ key, state: 'success', kind: 'done', description: 'Synced' });
const bad = (key: string): TargetResult => ({
  key,
  state: 'failure',
  kind: 'failed',
  description: 'Degraded',
});

describe('deliveryProgress (the deploy status while a merge is delivered)', () => {
  it('counts the apps done and failed out of all of the merge', () => {
    const wave0 = Array.from({ length: 8 }, (_, i) => syncTarget(`a${i}`, 0));
    const wave5 = Array.from({ length: 4 }, (_, i) => syncTarget(`b${i}`, 5));
    const plan = planOf(
      SHA,
      { kind: 'apps', wave: 0, targets: wave0 },
      { kind: 'apps', wave: 5, targets: wave5 },
    );
    // Seven of wave 0's apps have a result, one of them failed; the eighth is still syncing.
    const results = Object.fromEntries(
      wave0.slice(0, 7).map((t, i) => [t.key, i === 3 ? bad(t.key) : ok(t.key)]),
    );
    expect(deliveryProgress(plan, results, 1)).toBe('Syncing: 7 of 12 apps done, 1 failed');
  });

  it('says Provisioning before a claims stage and targets when apps and claims mix', () => {
    const owner = syncTarget('platform', 0);
    const db = claimTarget('shop', 'db');
    const plan = planOf(SHA, { kind: 'owner-apps', targets: [owner] }, { kind: 'claims', targets: [db] });
    expect(deliveryProgress(plan, { [owner.key]: ok(owner.key) }, 1)).toBe(
      'Provisioning: 1 of 2 targets done',
    );
  });

  it('counts only the targets a retry delivers again', () => {
    const [web, api] = [syncTarget('web', 0), syncTarget('api', 0)];
    const worker = syncTarget('worker', 5);
    const plan = planOf(
      SHA,
      { kind: 'apps', wave: 0, targets: [web, api] },
      { kind: 'apps', wave: 5, targets: [worker] },
    );
    expect(deliveryProgress(plan, { [api.key]: ok(api.key) }, 1, [api.key, worker.key])).toBe(
      'Syncing: 1 of 2 apps done',
    );
  });

  it('stays within GitHub’s 140 characters', () => {
    const many = Array.from({ length: 2_000 }, (_, i) => syncTarget(`app-${i}`, 0));
    const text = deliveryProgress(planOf(SHA, { kind: 'apps', wave: 0, targets: many }), {}, 0);
    expect(text.length).toBeLessThanOrEqual(MAX_STATUS_DESCRIPTION);
    expect(text).toBe('Syncing: 0 of 2000 apps done');
  });
});
