import type { Approval, ApprovalDecision, ApprovalRejectionReason, RejectedApproval } from './approval.ts';

/** The `approval` section of `.github/mergeplane.yml` at the BASE branch: who may approve, and for what. */
export interface ApproverRules {
  /** Logins allowed to approve; with `teams` both empty, anyone with write access may. */
  users: readonly string[];
  /** Teams allowed to approve: `team-slug` (in the repository owner's organization) or `org/team-slug`. */
  teams: readonly string[];
  allowAuthorSelfApproval: boolean;
  /** Approvals count only for the head SHA they were given for. */
  dismissOnNewCommits: boolean;
}

export interface DecideApprovalsInput {
  approvals: readonly Approval[];
  /** Undefined when the base config is invalid: then no approval satisfies the rules. */
  rules: ApproverRules | undefined;
  headSha: string;
  /** Login of the pull request's author. */
  author: string;
  /**
   * For approvers not listed in `users`: the `teams` entries (as written in the config) each one is an
   * active member of, keyed by lower-cased login. A user missing here is a member of none.
   */
  teamMemberships?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A team membership whose answer decides an approval: `org` is the organization, `team` the slug. */
export interface TeamLookup {
  user: string;
  /** The entry as written in `approval.teams`. */
  entry: string;
  org: string;
  team: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `org/slug` or `slug` (then in `owner`'s organization). */
export function parseTeamEntry(entry: string, owner: string): { org: string; team: string } {
  const slash = entry.indexOf('/');
  return slash === -1
    ? { org: owner, team: entry }
    : { org: entry.slice(0, slash), team: entry.slice(slash + 1) };
}

/**
 * One approval per user: the one for the head commit if there is one, else their latest (approvals are
 * recorded oldest first).
 */
function perUser(approvals: readonly Approval[], headSha: string): Approval[] {
  const chosen = new Map<string, Approval>();
  for (const approval of approvals) {
    const key = approval.user.toLowerCase();
    const current = chosen.get(key);
    if (current !== undefined && same(current.sha, headSha) && !same(approval.sha, headSha)) continue;
    chosen.delete(key);
    chosen.set(key, approval);
  }
  return [...chosen.values()];
}

/** The verdict before any team is asked: a rejection, `accepted`, or `teams` when only a membership can decide. */
function precheck(
  approval: Approval,
  input: Omit<DecideApprovalsInput, 'approvals'>,
): ApprovalRejectionReason | 'accepted' | 'teams' {
  const { rules } = input;
  if (rules === undefined) return 'invalid-config';
  if (rules.dismissOnNewCommits && !same(approval.sha, input.headSha)) return 'earlier-commit';
  if (!rules.allowAuthorSelfApproval && same(approval.user, input.author)) return 'author';
  if (rules.users.length === 0 && rules.teams.length === 0) return 'accepted';
  if (rules.users.some((user) => same(user, approval.user))) return 'accepted';
  return rules.teams.length > 0 ? 'teams' : 'not-an-approver';
}

/** The team memberships that must be looked up before `decideApprovals` can judge every approval. */
export function teamLookups(
  input: Omit<DecideApprovalsInput, 'teamMemberships'>,
  owner: string,
): TeamLookup[] {
  const lookups: TeamLookup[] = [];
  for (const approval of perUser(input.approvals, input.headSha)) {
    if (precheck(approval, input) !== 'teams') continue;
    for (const entry of input.rules?.teams ?? []) {
      lookups.push({ user: approval.user, entry, ...parseTeamEntry(entry, owner) });
    }
  }
  return lookups;
}

/**
 * Which approvals count, under the base branch's rules: one per user (their approval of the head commit,
 * else their latest); an approval of an earlier commit only when new commits do not dismiss approvals; the
 * author's only when self-approval is allowed; and only from a listed user or an active member of a listed
 * team, when either list is set. Pure: team memberships are looked up beforehand (`teamLookups`).
 */
export function decideApprovals(input: DecideApprovalsInput): ApprovalDecision {
  const accepted: Approval[] = [];
  const rejected: RejectedApproval[] = [];
  for (const approval of perUser(input.approvals, input.headSha)) {
    const verdict = precheck(approval, input);
    if (verdict === 'accepted') {
      accepted.push(approval);
    } else if (verdict === 'teams') {
      const teams = input.teamMemberships?.get(approval.user.toLowerCase());
      const member = input.rules?.teams.some((entry) => teams?.has(entry) === true) === true;
      if (member) accepted.push(approval);
      else rejected.push({ approval, reason: 'not-an-approver' });
    } else {
      rejected.push({ approval, reason: verdict });
    }
  }
  return { accepted, rejected };
}
