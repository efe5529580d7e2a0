import type { GateResult } from '../model/plan-report.ts';
import type { Approval } from './approval.ts';

/** One pull request of a merge group, as far as its approvals go. */
export interface QueuedPullRequest {
  number: number;
  /** The head the pull request was queued with. */
  headSha: string;
  /** Approvals that count for that head under the base branch's rules (`decideApprovals`). */
  accepted: readonly Approval[];
  /**
   * The `needs-approval` items (`approvalItemKey`) of the plan of that head, as recorded when it was published;
   * undefined when no plan of that head was recorded (never planned, or the record expired).
   */
  items: readonly string[] | undefined;
  /** Why the pull request's change could not be confirmed to be the group's (its items then carry nothing). */
  unverified?: string;
}

export interface CarriedOverApprovals {
  /** The group's gates: items approved on the pull request that introduced them pass, the rest still wait. */
  gates: GateResult[];
  /** The gates that passed by a pull request's approval, as they now read. */
  approved: GateResult[];
}

/**
 * What one approval item is: its gate, app and message (`deletes Namespace team-a` of app `platform`), which
 * name the change itself. Two plans with the same item ask for approval of the same change.
 */
export function approvalItemKey(gate: Pick<GateResult, 'id' | 'app' | 'message'>): string {
  return `${gate.id}\u0000${gate.app ?? ''}\u0000${gate.message}`;
}

/** The `needs-approval` items of a plan, as a pull request's are recorded for its merge groups to match. */
export function approvalItems(gates: readonly GateResult[]): string[] {
  return gates.filter((gate) => gate.status === 'needs-approval').map(approvalItemKey);
}

function approvers(accepted: readonly Approval[]): string {
  return accepted.map((a) => `@${a.user}`).join(', ');
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

/** Why an item of the group still needs approval, naming the pull request that brought it when one did. */
function stillNeeded(key: string, queued: readonly QueuedPullRequest[]): string {
  const from = queued.filter((pr) => pr.items?.includes(key));
  if (from.length === 0) {
    const all = queued.map((pr) => `#${pr.number}`).join(', ');
    return queued.length > 1
      ? `not in the approved plan of any queued pull request: the combination of ${all} makes this change`
      : `not in the approved plan of ${all || 'the queued pull request'}`;
  }
  return from
    .map((pr) =>
      pr.unverified !== undefined
        ? `from #${pr.number}, whose change could not be confirmed in the group (${pr.unverified})`
        : `from #${pr.number}, not approved for its head ${short(pr.headSha)}`,
    )
    .join('; ');
}

/**
 * A merge group's approvals: each `needs-approval` item passes when a queued pull request whose change is
 * confirmed in the group was approved for the head it was queued with, and the plan of that head had the same
 * item. Anything else still needs approval, and says which pull request brought it or that the combination did.
 * A `fail` gate is never approvable.
 */
export function carryOverApprovals(
  gates: readonly GateResult[],
  queued: readonly QueuedPullRequest[],
  /** Why the group's earlier entries could not all be read, when they could not. */
  incomplete?: string,
): CarriedOverApprovals {
  const unread = incomplete === undefined ? '' : ` (not every entry of the group was read: ${incomplete})`;
  const approved: GateResult[] = [];
  const result = gates.map((gate): GateResult => {
    if (gate.status !== 'needs-approval') return gate;
    const key = approvalItemKey(gate);
    const by = queued.find(
      (pr) => pr.unverified === undefined && pr.accepted.length > 0 && pr.items?.includes(key) === true,
    );
    if (by === undefined)
      return { ...gate, message: `${gate.message} — ${stillNeeded(key, queued)}${unread}` };
    const passed: GateResult = {
      ...gate,
      status: 'pass',
      message: `approved on #${by.number} by ${approvers(by.accepted)} — ${gate.message}`,
    };
    approved.push(passed);
    return passed;
  });
  return { gates: result, approved };
}
