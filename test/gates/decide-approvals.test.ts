import { describe, expect, it } from 'vitest';
import type { Approval } from '../../src/gates/approval.ts';
import {
  type ApproverRules,
  decideApprovals,
  parseTeamEntry,
  teamLookups,
} from '../../src/gates/decide-approvals.ts';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

const approval = (user: string, sha = HEAD, reason?: string): Approval => ({
  user,
  sha,
  at: '2026-01-01T00:00:00Z',
  ...(reason === undefined ? {} : { reason }),
});

const rules = (overrides: Partial<ApproverRules> = {}): ApproverRules => ({
  users: [],
  teams: [],
  allowAuthorSelfApproval: false,
  dismissOnNewCommits: true,
  ...overrides,
});

const verdict = (decision: ReturnType<typeof decideApprovals>) => [
  ...decision.accepted.map((a) => `${a.user}:accepted`),
  ...decision.rejected.map((r) => `${r.approval.user}:${r.reason}`),
];

describe('decideApprovals', () => {
  it.each<{
    case: string;
    approvals: Approval[];
    rules: ApproverRules | undefined;
    teams?: Record<string, string[]>;
    expected: string[];
  }>([
    {
      case: 'any writer by default',
      approvals: [approval('bob')],
      rules: rules(),
      expected: ['bob:accepted'],
    },
    {
      case: 'the author by default',
      approvals: [approval('alice')],
      rules: rules(),
      expected: ['alice:author'],
    },
    {
      case: 'the author when self-approval is allowed',
      approvals: [approval('Alice')],
      rules: rules({ allowAuthorSelfApproval: true }),
      expected: ['Alice:accepted'],
    },
    {
      case: 'an earlier commit when new commits dismiss approvals',
      approvals: [approval('bob', OLD)],
      rules: rules(),
      expected: ['bob:earlier-commit'],
    },
    {
      case: 'an earlier commit when approvals survive new commits',
      approvals: [approval('bob', OLD)],
      rules: rules({ dismissOnNewCommits: false }),
      expected: ['bob:accepted'],
    },
    {
      case: 'a listed user (case-insensitive)',
      approvals: [approval('BOB'), approval('carol')],
      rules: rules({ users: ['bob'] }),
      expected: ['BOB:accepted', 'carol:not-an-approver'],
    },
    {
      case: 'an active member of a listed team',
      approvals: [approval('dave'), approval('erin')],
      rules: rules({ teams: ['platform', 'other/sre'] }),
      teams: { dave: ['other/sre'] },
      expected: ['dave:accepted', 'erin:not-an-approver'],
    },
    {
      case: 'a listed author still refused',
      approvals: [approval('alice')],
      rules: rules({ users: ['alice'] }),
      expected: ['alice:author'],
    },
    {
      case: 'nothing under an invalid base config',
      approvals: [approval('bob'), approval('alice')],
      rules: undefined,
      expected: ['bob:invalid-config', 'alice:invalid-config'],
    },
    {
      case: "one verdict per user: the head commit's approval wins over a later one of an older commit",
      approvals: [approval('bob', HEAD, 'now'), approval('bob', OLD, 'then')],
      rules: rules(),
      expected: ['bob:accepted'],
    },
  ])('$case', ({ approvals, rules: r, teams, expected }) => {
    const memberships = new Map(Object.entries(teams ?? {}).map(([user, list]) => [user, new Set(list)]));
    const decision = decideApprovals({
      approvals,
      rules: r,
      headSha: HEAD,
      author: 'alice',
      teamMemberships: memberships,
    });
    expect(verdict(decision).sort()).toEqual([...expected].sort());
  });

  it('keeps the reason of the approval that counts', () => {
    const decision = decideApprovals({
      approvals: [approval('bob', OLD, 'then'), approval('bob', HEAD, 'now')],
      rules: rules(),
      headSha: HEAD,
      author: 'alice',
    });
    expect(decision.accepted).toEqual([approval('bob', HEAD, 'now')]);
  });
});

describe('teamLookups', () => {
  it('asks only about approvers whose verdict depends on a team', () => {
    const lookups = teamLookups(
      {
        approvals: [approval('listed'), approval('alice'), approval('stale', OLD), approval('dave')],
        rules: rules({ users: ['listed'], teams: ['platform', 'other/sre'] }),
        headSha: HEAD,
        author: 'alice',
      },
      'acme',
    );
    expect(lookups).toEqual([
      { user: 'dave', entry: 'platform', org: 'acme', team: 'platform' },
      { user: 'dave', entry: 'other/sre', org: 'other', team: 'sre' },
    ]);
  });

  it('asks nothing without teams', () => {
    expect(
      teamLookups(
        { approvals: [approval('bob')], rules: rules({ users: ['x'] }), headSha: HEAD, author: 'a' },
        'acme',
      ),
    ).toEqual([]);
  });

  it('reads team entries with and without organization', () => {
    expect(parseTeamEntry('sre', 'acme')).toEqual({ org: 'acme', team: 'sre' });
    expect(parseTeamEntry('other/sre', 'acme')).toEqual({ org: 'other', team: 'sre' });
  });
});
