import { describe, expect, it } from 'vitest';
import {
  approvalItemKey,
  approvalItems,
  carryOverApprovals,
  type QueuedPullRequest,
} from '../../src/gates/carry-over-approvals.ts';
import type { AppReport, GateResult, PlanReport } from '../../src/model/plan-report.ts';

const deletesTeamA: GateResult = {
  id: 'destructive',
  status: 'needs-approval',
  message: 'deletes Namespace team-a',
  app: 'platform',
};
const deletesTeamB: GateResult = { ...deletesTeamA, message: 'deletes Namespace team-b' };
const renderFails: GateResult = {
  id: 'render',
  status: 'fail',
  message: 'web: kustomize failed',
  app: 'web',
};
const passes: GateResult = { id: 'config', status: 'pass', message: 'repository config is valid' };
const pluginApp: GateResult = {
  id: 'unsupported',
  status: 'needs-approval',
  message: 'tools: config management plugins are not supported',
  app: 'tools',
};
const approval = { user: 'lead', sha: 'a'.repeat(40), at: '2026-12-01T10:00:00Z' };

function app(name: string, deleted: string[], status: AppReport['status'] = 'changed'): AppReport {
  return {
    name,
    namespace: 'argocd',
    project: 'default',
    origin: `argocd/${name}.yaml`,
    destination: {},
    sourceType: 'directory',
    status,
    resources: deleted.map((ns) => ({
      group: '',
      version: 'v1',
      kind: 'Namespace',
      namespace: '',
      name: ns,
      action: 'delete' as const,
      diff: `-kind: Namespace\n-metadata:\n-  name: ${ns}\n`,
    })),
  };
}

/** A plan: its gates and the rendered change of the apps they name. */
function plan(
  gates: GateResult[],
  apps: AppReport[] = [app('platform', ['team-a'])],
): Pick<PlanReport, 'apps' | 'gates'> {
  return { apps, gates };
}

function pull(number: number, o: Partial<QueuedPullRequest> = {}): QueuedPullRequest {
  return { number, headSha: `${number}`.padEnd(40, '0'), accepted: [], items: [], ...o };
}

describe('approvals carried into a merge group', () => {
  it('passes an item the pull request that brought it was approved for, naming it and the approver', () => {
    const queued = [pull(7), pull(8, { accepted: [approval], items: approvalItems(plan([deletesTeamA])) })];
    const { gates, approved } = carryOverApprovals(plan([deletesTeamA, passes]), queued);
    expect(gates[0]).toMatchObject({ status: 'pass', message: expect.stringContaining('#8') });
    expect(gates[0]!.message).toContain('@lead');
    expect(gates[0]!.message).toContain(deletesTeamA.message);
    expect(gates[1]).toEqual(passes);
    expect(approved).toEqual([gates[0]]);
  });

  it('keeps waiting for what the combination changes beyond what was approved, and says so', () => {
    const queued = [
      pull(7, { accepted: [approval], items: approvalItems(plan([deletesTeamA])) }),
      pull(8, { accepted: [approval], items: [] }),
    ];
    const group = plan([deletesTeamA, deletesTeamB], [app('platform', ['team-a', 'team-b'])]);
    const { gates } = carryOverApprovals(group, queued);
    expect(gates[0]).toMatchObject({ status: 'pass', message: expect.stringContaining('approved on #7') });
    expect(gates[1]).toMatchObject({ status: 'needs-approval', app: 'platform' });
    expect(gates[1]!.message).toMatch(/combination of #7, #8/);
  });

  it('names the pull request that brought an unapproved item, and one whose change is not the group’s', () => {
    const unapproved = pull(9, { items: approvalItems(plan([deletesTeamA])) });
    expect(carryOverApprovals(plan([deletesTeamA]), [unapproved]).gates[0]!.message).toMatch(
      /from #9, not approved for its head 9000000/,
    );
    // Approved, with the item, but its entry does not make its change: nothing carries over from it.
    const elsewhere = pull(9, {
      accepted: [approval],
      items: approvalItems(plan([deletesTeamA])),
      unverified: 'apps/x.yaml is not as the pull request leaves it',
    });
    const [gate] = carryOverApprovals(plan([deletesTeamA]), [elsewhere]).gates;
    expect(gate).toMatchObject({ status: 'needs-approval' });
    expect(gate!.message).toContain('could not be confirmed in the group (apps/x.yaml');
  });

  it('carries an item of an app that renders nothing only in a group of one pull request', () => {
    const tools = plan([pluginApp], [app('tools', [], 'error')]);
    const approvedTools = pull(3, { accepted: [approval], items: approvalItems(tools) });
    expect(carryOverApprovals(tools, [approvedTools]).gates[0]!.status).toBe('pass');
    // Another pull request could have changed the plugin's inputs: nothing in the plan would show it.
    const [gate] = carryOverApprovals(tools, [approvedTools, pull(4)]).gates;
    expect(gate).toMatchObject({ status: 'needs-approval' });
    expect(gate!.message).toContain('queue the pull request that brings it alone');
  });

  it('carries nothing for a head whose plan was never recorded, and never passes a failing gate', () => {
    const unrecorded = pull(5, { accepted: [approval], items: undefined });
    const { gates, approved } = carryOverApprovals(
      plan([deletesTeamA, renderFails]),
      [unrecorded],
      'no entry branch',
    );
    expect(gates[0]!.status).toBe('needs-approval');
    expect(gates[0]!.message).toContain('not every entry of the group was read: no entry branch');
    expect(gates[1]).toEqual(renderFails);
    expect(approved).toEqual([]);
  });

  it('tells items apart by gate, app and message', () => {
    const keys = new Set(
      [
        deletesTeamA,
        deletesTeamB,
        { ...deletesTeamA, app: 'other' },
        { ...deletesTeamA, id: 'unsupported' },
      ].map(approvalItemKey),
    );
    expect(keys.size).toBe(4);
    expect(approvalItems(plan([deletesTeamA, renderFails, passes]))).toHaveLength(1);
  });
});
