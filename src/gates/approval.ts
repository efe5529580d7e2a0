/** One `/mergeplane approve` as recorded: who, for which head commit, when, and why. */
export interface Approval {
  /** GitHub login of the approver. */
  user: string;
  /** The pull request's head SHA when the approval was given. */
  sha: string;
  /** ISO 8601 time of the approval. */
  at: string;
  /** The optional reason written after the command (user text: escape before rendering). */
  reason?: string;
}

/**
 * Why an approval does not count: given for an earlier commit (and new commits dismiss approvals), given by
 * the pull request's author, given by someone the config does not list, or the base config is invalid.
 */
export type ApprovalRejectionReason = 'earlier-commit' | 'author' | 'not-an-approver' | 'invalid-config';

export interface RejectedApproval {
  approval: Approval;
  reason: ApprovalRejectionReason;
}

/** Every recorded approval, either accepted or rejected with its reason. */
export interface ApprovalDecision {
  accepted: Approval[];
  rejected: RejectedApproval[];
}
