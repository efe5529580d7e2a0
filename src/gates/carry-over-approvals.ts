import type { GateResult, PlanReport } from '../model/plan-report.ts';
import type { Approval } from './approval.ts';

/** One pull request of a merge group, as far as its approvals go. */
export interface QueuedPullRequest {
  number: number;
  /** The pull request's head (GitHub's, now): an entry that does not make its change is not confirmed. */
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

/**
 * Whether an item is of an app that renders nothing to compare (not renderable, or failed): its text is then all
 * there is, and it cannot tell one pull request's change of that app from another's.
 */
function rendersNothing(report: Pick<PlanReport, 'apps'>, gate: GateResult): boolean {
  if (gate.app === undefined) return false;
  const apps = report.apps.filter((a) => a.name === gate.app);
  return apps.length > 0 && apps.every((a) => (a.resources ?? []).length === 0 && a.definition === undefined);
}

/**
 * The `needs-approval` items of a plan (gate, app, message): what an approval of that plan covers. A pull
 * request's are recorded for its merge groups to match. An item names its change itself (`deletes Namespace
 * team-a`); where it cannot (an app that renders nothing), `carryOverApprovals` carries it only in a group of one.
 */
export function approvalItems(report: Pick<PlanReport, 'gates'>): string[] {
  return report.gates.filter((gate) => gate.status === 'needs-approval').map(approvalItemKey);
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
 * confirmed in the group was approved for its head, and the plan of that head had the same item (an item of an app
 * that renders nothing only in a group of one). Anything else still needs approval, and says which pull request brought it or that the combination did.
 * A `fail` gate is never approvable.
 */
export function carryOverApprovals(
  report: Pick<PlanReport, 'apps' | 'gates'>,
  queued: readonly QueuedPullRequest[],
  /** Why the group's earlier entries could not all be read, when they could not. */
  incomplete?: string,
): CarriedOverApprovals {
  const unread = incomplete === undefined ? '' : ` (not every entry of the group was read: ${incomplete})`;
  const approved: GateResult[] = [];
  const result = report.gates.map((gate): GateResult => {
    if (gate.status !== 'needs-approval') return gate;
    const key = approvalItemKey(gate);
    // Nothing renders to tell one pull request's change of this app from another's: only a group of one carries.
    if (queued.length > 1 && rendersNothing(report, gate)) {
      const why = `nothing of app ${gate.app ?? ''} renders, so a group of ${queued.length} pull requests cannot show whose change it is: queue the pull request that brings it alone`;
      return { ...gate, message: `${gate.message} — ${why}${unread}` };
    }
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
