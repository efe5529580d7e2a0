import type { Octokit } from '@octokit/rest';
import type { Approval, ApprovalDecision } from '../gates/approval.ts';
import { type ApproverRules, decideApprovals, teamLookups } from '../gates/decide-approvals.ts';
import { createTeamMembershipChecker, type IsTeamMember } from '../github/team-membership.ts';
import type { PlanLogger } from '../plan/plan-logger.ts';

/**
 * Judges a pull request's recorded approvals for one head under the base branch's rules, asking GitHub for the
 * team memberships that decide (`approval.teams`).
 */
export async function judgeApprovals(o: {
  octokit: Octokit;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  author: string;
  approvals: readonly Approval[];
  rules: ApproverRules | undefined;
  isTeamMember?: IsTeamMember;
  logger: PlanLogger;
}): Promise<ApprovalDecision> {
  const { owner, repo, pullNumber } = o;
  const input = { approvals: o.approvals, rules: o.rules, headSha: o.headSha, author: o.author };
  const isTeamMember =
    o.isTeamMember ??
    createTeamMembershipChecker(o.octokit, (org, team) =>
      o.logger.warn({ owner, repo, pullNumber, org, team }, 'team membership not readable'),
    );
  const memberships = new Map<string, Set<string>>();
  for (const lookup of teamLookups(input, owner)) {
    if (!(await isTeamMember(lookup.org, lookup.team, lookup.user))) continue;
    const key = lookup.user.toLowerCase();
    memberships.set(key, (memberships.get(key) ?? new Set()).add(lookup.entry));
  }
  return decideApprovals({ ...input, teamMemberships: memberships });
}
