import type { DeliveryPlan, DeliveryTarget } from '../model/delivery-plan.ts';

/** The BullMQ queue of post-merge delivery's `deliver` parents (one per merge: planning and stage steps). */
export const DELIVER_QUEUE_NAME = 'mergeplane-deliver';
/**
 * The `claim` / `sync` children of those parents. A queue of their own, so a merge is planned (its pending
 * statuses posted, older merges superseded) even while every target slot waits on Argo CD or Crossplane.
 */
export const DELIVER_TARGETS_QUEUE_NAME = 'mergeplane-deliver-targets';

export const DELIVER_JOB = 'deliver';
export type TargetJobName = 'claim' | 'sync';

export type DeliverTrigger = 'push' | 'pull_request';

/** A merge to deliver, as the webhook handlers see it. */
export interface MergeInput {
  /** `X-GitHub-Delivery` of the webhook (logs only). */
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  /** The default branch before the merge (push `before`); absent: the merge commit's first parent. */
  before?: string;
  /** The merge commit. */
  after: string;
  /** The default branch, which Applications track. */
  baseBranch?: string;
  /** Known when the merge came from a `pull_request` event. */
  pullNumber?: number;
  trigger: DeliverTrigger;
}

/** How one target ended (the child job's return value, also derived by the parent for failed or skipped ones). */
export interface TargetResult {
  key: string;
  state: 'success' | 'failure' | 'error';
  description: string;
  /** done: delivered; superseded: a newer merge delivers it; failed: the job failed; not-started: an earlier stage failed. */
  kind: 'done' | 'superseded' | 'failed' | 'not-started';
}

export interface DeliverJobData extends MergeInput {
  /** Enqueue order of this merge within its repository: a higher one supersedes it per target. */
  seq: number;
  /** 1 for the merge, n + 1 for the n-th `/mergeplane retry`. */
  attempt: number;
  /** Set once planned (a retry starts with its merge's plan). */
  plan?: DeliveryPlan;
  /** Index of the stage whose children run (or ran) last. */
  stage?: number;
  results?: Record<string, TargetResult>;
  /** A retry delivers only these target keys; the other results are carried over in `previous`. */
  only?: string[];
  previous?: Record<string, TargetResult>;
}

export interface TargetJobData {
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  mergeSha: string;
  seq: number;
  attempt: number;
  target: DeliveryTarget;
  options: DeliveryPlan['options'];
  /** Set once the Kubernetes work is done, so a retry caused by GitHub only publishes the status again. */
  outcome?: TargetResult;
}

export interface DeliverJobResult {
  state: 'success' | 'failure';
  description: string;
  results: Record<string, TargetResult>;
}

export class InvalidDeliverInputError extends Error {
  override readonly name = 'InvalidDeliverInputError';
}

const OWNER = /^[a-z0-9-]+$/;
const REPO = /^[a-z0-9._-]+$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Lower-cased, validated `owner`, `repo` and SHA (GitHub names are case-insensitive; ids and keys must agree). */
export function mergeRef(input: { owner: string; repo: string; sha: string }): {
  owner: string;
  repo: string;
  sha: string;
} {
  const owner = input.owner.toLowerCase();
  const repo = input.repo.toLowerCase();
  const sha = input.sha.toLowerCase();
  if (!OWNER.test(owner)) throw new InvalidDeliverInputError(`owner: not a GitHub account name`);
  if (!REPO.test(repo) || repo === '.' || repo === '..')
    throw new InvalidDeliverInputError('repo: not a GitHub repository name');
  if (!SHA.test(sha)) throw new InvalidDeliverInputError('sha: not a full commit SHA');
  return { owner, repo, sha };
}

/** True for a SHA of zeros (a created or deleted branch in a push payload). */
export function isNullSha(sha: string | undefined): boolean {
  return sha === undefined || /^0+$/.test(sha);
}

function attemptSuffix(attempt: number): string {
  return attempt > 1 ? `-retry${attempt - 1}` : '';
}

/**
 * `deliver-<owner>--<repo>-<sha>` (`-retryN` for retries): one parent per merge commit, so a redelivered push
 * and the merged pull request's event collapse. BullMQ ids may not contain `:`.
 */
export function deliverJobId(input: { owner: string; repo: string; sha: string }, attempt = 1): string {
  const { owner, repo, sha } = mergeRef(input);
  return `deliver-${owner}--${repo}-${sha}${attemptSuffix(attempt)}`;
}

/** `sync-<ns>-<app>-<owner>--<repo>-<sha>` / `claim-<ns>-<name>-<kind>-…`: one child per target of a merge. */
export function targetJobId(
  input: { owner: string; repo: string; sha: string },
  target: Pick<DeliveryTarget, 'key'>,
  attempt = 1,
): string {
  const { owner, repo, sha } = mergeRef(input);
  return `${target.key}-${owner}--${repo}-${sha}${attemptSuffix(attempt)}`;
}
