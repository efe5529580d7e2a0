import { describe, expect, it } from 'vitest';
import { applyApprovals } from '../../src/gates/apply-approvals.ts';
import type { GateResult } from '../../src/model/plan-report.ts';

const gates: GateResult[] = [
  { id: 'destructive', status: 'needs-approval', message: 'deletes Namespace team-a', app: 'infra' },
  { id: 'unsupported', status: 'needs-approval', message: 'plugin source', app: 'legacy' },
  { id: 'render', status: 'fail', message: 'helm failed', app: 'web' },
  { id: 'config', status: 'pass', message: 'repository config is valid' },
];
const at = '2026-01-01T00:00:00Z';
const sha = 'a'.repeat(40);

describe('applyApprovals', () => {
  it('passes every needs-approval gate and names the approvers, never a failing gate', () => {
    const result = applyApprovals(gates, [
      { user: 'bob', sha, at, reason: 'team drained' },
      { user: 'carol', sha, at },
    ]);
    expect(result.gates).toEqual([
      {
        id: 'destructive',
        status: 'pass',
        message: 'approved by @bob: team drained; @carol — deletes Namespace team-a',
        app: 'infra',
      },
      {
        id: 'unsupported',
        status: 'pass',
        message: 'approved by @bob: team drained; @carol — plugin source',
        app: 'legacy',
      },
      gates[2],
      gates[3],
    ]);
    expect(result.approved.map((g) => g.id)).toEqual(['destructive', 'unsupported']);
  });

  it('changes nothing without an accepted approval', () => {
    expect(applyApprovals(gates, [])).toEqual({ gates, approved: [] });
  });
});
