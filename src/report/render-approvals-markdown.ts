import type { ApprovalDecision, ApprovalRejectionReason } from '../gates/approval.ts';
import type { GateResult } from '../model/plan-report.ts';
import { shortRevision } from '../model/text.ts';
import { codeSpan, escapeInline } from './escape-markdown.ts';

/** What the approvals did to a plan: who approved, whose approval did not count, and what passed by it. */
export interface ApprovalsView {
  decision: ApprovalDecision;
  /** The gates that passed by approval (their message already names the approvers). */
  approved: readonly GateResult[];
}

const REJECTION_TEXT: Record<ApprovalRejectionReason, string> = {
  'earlier-commit':
    'it approved an earlier commit, and new commits dismiss approvals (`approval.dismissOnNewCommits`)',
  author:
    'the author of the pull request cannot approve their own change (`approval.allowAuthorSelfApproval` is off)',
  'not-an-approver': 'not listed in `approval.users` or `approval.teams`',
  'invalid-config':
    '`.github/mergeplane.yml` is invalid on the base branch, so no approver rule is satisfied',
};

function reasonText(reason: string | undefined): string {
  return reason === undefined || reason.trim() === '' ? '' : `: ${escapeInline(reason.trim())}`;
}

/**
 * The approval lines, one Markdown list item each: accepted approvals, approvals that do not count (and
 * why), then the gates they passed. Logins and reasons are user text: escaped, so a reason can neither
 * mention anyone nor inject Markdown or HTML. Empty when nothing was approved.
 */
export function approvalLines(view: ApprovalsView): string[] {
  const { accepted, rejected } = view.decision;
  const lines = [
    ...accepted.map(
      (a) =>
        `- ✅ approved by ${escapeInline(`@${a.user}`)} for ${codeSpan(shortRevision(a.sha))}${reasonText(a.reason)}`,
    ),
    ...rejected.map(
      ({ approval: a, reason }) =>
        `- 🚫 not accepted: ${escapeInline(`@${a.user}`)} for ${codeSpan(shortRevision(a.sha))}${reasonText(a.reason)} — ${REJECTION_TEXT[reason]}`,
    ),
    ...view.approved.map((gate) => {
      const app = gate.app === undefined ? '' : ` · app **${escapeInline(gate.app)}**`;
      return `- ☑️ **${escapeInline(gate.id)}**: ${escapeInline(gate.message)}${app}`;
    }),
  ];
  return lines;
}

/** The "Approvals" section of the plan comment, or '' when there is no approval to show. */
export function renderApprovalsMarkdown(view: ApprovalsView | undefined): string {
  if (view === undefined) return '';
  const lines = approvalLines(view);
  return lines.length === 0 ? '' : ['#### Approvals', '', ...lines].join('\n');
}
