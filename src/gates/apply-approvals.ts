import type { GateResult } from '../model/plan-report.ts';
import type { Approval } from './approval.ts';

export interface AppliedApprovals {
  /** The gates with every `needs-approval` gate passed, when there is an accepted approval. */
  gates: GateResult[];
  /** The gates that passed by approval, as they now read. */
  approved: GateResult[];
}

function approvers(accepted: readonly Approval[]): string {
  return accepted
    .map((a) =>
      a.reason === undefined || a.reason.trim() === '' ? `@${a.user}` : `@${a.user}: ${a.reason.trim()}`,
    )
    .join('; ');
}

/**
 * Accepted approvals pass every `needs-approval` gate (an approval covers the whole plan of the commit),
 * with the message `approved by @user: reason — <what was approved>`. A `fail` gate is never approvable.
 */
export function applyApprovals(
  gates: readonly GateResult[],
  accepted: readonly Approval[],
): AppliedApprovals {
  if (accepted.length === 0) return { gates: [...gates], approved: [] };
  const by = approvers(accepted);
  const approved: GateResult[] = [];
  const result = gates.map((gate): GateResult => {
    if (gate.status !== 'needs-approval') return gate;
    const passed: GateResult = { ...gate, status: 'pass', message: `approved by ${by} — ${gate.message}` };
    approved.push(passed);
    return passed;
  });
  return { gates: result, approved };
}
