/** The BullMQ queue that carries plan jobs. */
export const PLAN_QUEUE_NAME = 'mergeplane-plan';

/**
 * What asked for the plan: a pull_request event, `/mergeplane plan`, a re-run from the checks UI, or
 * `/mergeplane approve` (the plan is re-evaluated with the new approval). Anything but `pull_request` re-runs
 * a finished job of the same head.
 */
export type PlanTrigger = 'pull_request' | 'comment' | 'rerequest' | 'approve' | 'diff' | 'merge_group';

/** `/mergeplane diff APP`: instead of the plan comment, post the app's complete diff as its own comment. */
export interface DiffRequest {
  /** As the user wrote it (validated by the slash-command parser): `name` or `namespace/name`. */
  app: string;
  /** Login of the user who asked. */
  requestedBy: string;
}

/**
 * A merge queue's group (`merge_group` `checks_requested`): its head is planned against its base commit and the
 * check run goes on that head. The job's `pullNumber` is the pull request of the group's own (last) entry, so the
 * group's jobs are tracked, and dropped, with that pull request's.
 */
export interface MergeGroupRequest {
  /** The target branch's commit the group was built on. */
  baseSha: string;
  /** `refs/heads/gh-readonly-queue/BASE/pr-N-PARENT`. */
  headRef: string;
}

/** A plan job's payload: plain values only, so a job stays readable in Redis and on the dashboard. */
export interface PlanJobData {
  /** `X-GitHub-Delivery` of the webhook that asked for the plan (for logs; not part of the job id). */
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  baseRef: string;
  headRef: string;
  trigger: PlanTrigger;
  /**
   * Login of the pull request's author (self-approval rule). Optional: jobs enqueued before it existed, and
   * events that do not carry it (check runs), leave it out and the worker asks GitHub.
   */
  author?: string;
  /** Set on diff jobs (job name `diff`); absent on plan jobs. */
  diff?: DiffRequest;
  /** Set on merge group jobs (job name `merge-group`). */
  mergeGroup?: MergeGroupRequest;
}

/** The fields that name one pull request. */
export type PullRequestRef = Pick<PlanJobData, 'owner' | 'repo' | 'pullNumber'>;

export class InvalidPlanJobDataError extends Error {
  override readonly name = 'InvalidPlanJobDataError';
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.field = field;
  }
}

// GitHub's character sets for account and repository names; anything else cannot come from a webhook.
const OWNER = /^[a-z0-9-]+$/;
const REPO = /^[a-z0-9._-]+$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * `owner/repo#pull`, validated and lower-cased: GitHub names are case-insensitive, so `Acme/Repo#1` and
 * `acme/repo#1` are the same pull request. Used in Redis keys (where `/` and `#` cannot be ambiguous).
 */
export function pullRequestKey(ref: PullRequestRef): string {
  const { owner, repo, pullNumber } = validateRef(ref);
  return `${owner}/${repo}#${pullNumber}`;
}

function validateRef(ref: PullRequestRef): PullRequestRef {
  const owner = ref.owner.toLowerCase();
  const repo = ref.repo.toLowerCase();
  if (!OWNER.test(owner)) throw new InvalidPlanJobDataError('owner', 'not a GitHub account name');
  if (!REPO.test(repo) || repo === '.' || repo === '..') {
    throw new InvalidPlanJobDataError('repo', 'not a GitHub repository name');
  }
  if (!Number.isSafeInteger(ref.pullNumber) || ref.pullNumber < 1) {
    throw new InvalidPlanJobDataError('pullNumber', 'not a positive integer');
  }
  return { owner, repo, pullNumber: ref.pullNumber };
}

export function normalizeSha(sha: string): string {
  const normalized = sha.toLowerCase();
  if (!SHA.test(normalized)) throw new InvalidPlanJobDataError('headSha', 'not a full commit SHA');
  return normalized;
}

/**
 * One job per pull request head: redeliveries and repeated triggers for the same commit collapse into one
 * job. BullMQ job ids may not contain `:` (its key separator) nor be plain integers.
 */
export function planJobId(data: PullRequestRef & Pick<PlanJobData, 'headSha'>): string {
  const { owner, repo, pullNumber } = validateRef(data);
  // Current GitHub owner names never contain `--`, so the first `--` separates owner from repo.
  return `plan-${owner}--${repo}-${pullNumber}-${normalizeSha(data.headSha)}`;
}

/** One job per merge group head: a redelivered `checks_requested` collapses into it. */
export function mergeGroupJobId(data: Pick<PlanJobData, 'owner' | 'repo' | 'headSha'>): string {
  const { owner, repo } = validateRef({ ...data, pullNumber: 1 });
  return `mergegroup-${owner}--${repo}-${normalizeSha(data.headSha)}`;
}

/**
 * One diff job per pull request head and application: repeated `/mergeplane diff APP` comments while it is
 * queued collapse into it. The app name is lower-cased and `/` becomes `~` (job ids may not contain `:`).
 */
export function diffJobId(data: PullRequestRef & Pick<PlanJobData, 'headSha'> & { app: string }): string {
  const { owner, repo, pullNumber } = validateRef(data);
  const app = data.app.toLowerCase();
  if (!/^[a-z0-9.-]+(?:\/[a-z0-9.-]+)?$/.test(app)) {
    throw new InvalidPlanJobDataError('app', 'not an application name');
  }
  return `diff-${owner}--${repo}-${pullNumber}-${normalizeSha(data.headSha)}-${app.replace('/', '~')}`;
}

/**
 * Whether a job for `headSha` may still publish: the pull request is open and no newer head was enqueued.
 * An unknown latest head (key expired) does not make a job stale.
 */
export function isPlanCurrent(state: { headSha: string; latestHeadSha?: string; closed: boolean }): boolean {
  if (state.closed) return false;
  return state.latestHeadSha === undefined || state.latestHeadSha === normalizeSha(state.headSha);
}
