import type { Octokit } from '@octokit/rest';
import { DEFAULT_MAX_PARTS, fitComment } from '../report/fit-comment.ts';
import { requestStatus } from './request-status.ts';
import { planStickyMarker, type StickyMarker } from './sticky-markers.ts';

export interface UpsertResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** `html_url` of every part now on the pull request, part 1 first. */
  urls: string[];
}

export interface UpsertPlanCommentOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  issueNumber: number;
  /** The whole plan comment; split into parts when it exceeds `limit`. */
  markdown: string;
  /**
   * The App's login, e.g. `mergeplane[bot]`. When set, only comments by this user count as plan parts.
   * Without it any comment starting with a marker does, so the App should always pass it.
   */
  appUserLogin?: string;
  /** Maximum length of a part; default GitHub's 65,536. */
  limit?: number;
  /** At most this many parts (`comment.maxParts`, default 10); the rest is left out with a note. */
  maxParts?: number;
  /** Which sticky comment this is; default the plan comment of `issueNumber`. */
  marker?: StickyMarker;
  /**
   * Default true. When false and no part exists yet, nothing is written (`comment.onNoChanges: none`
   * still replaces a stale plan comment of an earlier head, but never starts one).
   */
  createIfMissing?: boolean;
}

export type PlanCommentStep = 'list' | 'create' | 'update' | 'delete';

/** A GitHub request failed; `progress` says what was already written, so a caller can log or retry. */
export class PlanCommentWriteError extends Error {
  override readonly name = 'PlanCommentWriteError';
  readonly step: PlanCommentStep;
  /** HTTP status of the failed request, when GitHub answered. */
  readonly status: number | undefined;
  /** The comment being updated or deleted; undefined for list and create. */
  readonly commentId: number | undefined;
  readonly progress: UpsertResult;

  constructor(options: {
    step: PlanCommentStep;
    commentId?: number;
    progress: UpsertResult;
    cause: unknown;
  }) {
    const status = requestStatus(options.cause);
    const target = options.commentId === undefined ? '' : ` ${options.commentId}`;
    super(`plan comment ${options.step}${target} failed${status === undefined ? '' : ` (HTTP ${status})`}`, {
      cause: options.cause,
    });
    this.step = options.step;
    this.status = status;
    this.commentId = options.commentId;
    this.progress = options.progress;
  }
}

interface ExistingPart {
  id: number;
  part: number;
  body: string;
  url: string;
}

type Write =
  | { kind: 'keep'; existing: ExistingPart }
  | { kind: 'update'; existing: ExistingPart; body: string }
  | { kind: 'create'; body: string };

export const OVERFLOW_NOTE =
  '> [!NOTE]\n> The rest of this plan is left out: it is longer than `comment.maxParts` comments allow. See one application with `/mergeplane diff APP`, the gates and annotations in the check run, or the whole plan with `mergeplane plan` locally.';

// GitHub may hand back CRLF line ends for text we sent with LF; that is not a change worth an edit.
function sameBody(a: string, b: string): boolean {
  return a.replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}

function header(sticky: StickyMarker): (index: number, total: number) => string {
  return (index, total) => {
    const marker = sticky.format(index, total);
    return total > 1 ? `${marker}\n**Part ${index} of ${total}**` : marker;
  };
}

/**
 * Existing parts are reused in order (part number, then oldest first), not matched by number: GitHub
 * shows comments in creation order, so reusing the earliest comments and appending new ones keeps the
 * parts in reading order even after a part was deleted by hand or a race left a duplicate.
 */
function planWrites(
  existing: readonly ExistingPart[],
  bodies: readonly string[],
): { writes: Write[]; stale: ExistingPart[] } {
  const writes = bodies.map((body, i): Write => {
    const current = existing[i];
    if (current === undefined) return { kind: 'create', body };
    return sameBody(current.body, body)
      ? { kind: 'keep', existing: current }
      : { kind: 'update', existing: current, body };
  });
  return { writes, stale: existing.slice(bodies.length) };
}

/**
 * Writes the plan as the pull request's sticky comment: the parts already there are edited in place
 * only when their text changed, missing parts are created in order, and parts left over from a longer
 * plan are deleted. A re-run with the same text makes no write. GitHub errors surface as
 * `PlanCommentWriteError`; a limit too small for the content as `CommentSplitError`, before any request.
 */
export async function upsertPlanComment(options: UpsertPlanCommentOptions): Promise<UpsertResult> {
  const { octokit, owner, repo, issueNumber, appUserLogin } = options;
  if (!Number.isSafeInteger(issueNumber) || issueNumber < 1) {
    throw new RangeError(`invalid issue number: ${issueNumber}`);
  }
  const sticky = options.marker ?? planStickyMarker(issueNumber);
  const parts = fitComment(options.markdown, {
    header: header(sticky),
    maxParts: options.maxParts ?? DEFAULT_MAX_PARTS,
    overflowNote: OVERFLOW_NOTE,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
  const result: UpsertResult = { created: 0, updated: 0, deleted: 0, unchanged: 0, urls: [] };
  const progress = (): UpsertResult => ({ ...result, urls: [...result.urls] });

  let comments: Awaited<ReturnType<typeof octokit.rest.issues.listComments>>['data'];
  try {
    comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
  } catch (cause) {
    throw new PlanCommentWriteError({ step: 'list', progress: progress(), cause });
  }

  // GitHub logins are case-insensitive.
  const login = appUserLogin?.toLowerCase();
  const existing = comments
    .flatMap((comment): ExistingPart[] => {
      if (login !== undefined && comment.user?.login.toLowerCase() !== login) return [];
      const body = comment.body ?? '';
      const part = sticky.parse(body);
      if (part === undefined) return [];
      return [{ id: comment.id, part, body, url: comment.html_url }];
    })
    .sort((a, b) => a.part - b.part || a.id - b.id);
  if (existing.length === 0 && options.createIfMissing === false) return result;

  const { writes, stale } = planWrites(
    existing,
    parts.map((part) => part.body),
  );

  for (const write of writes) {
    if (write.kind === 'keep') {
      result.unchanged += 1;
      result.urls.push(write.existing.url);
    } else if (write.kind === 'update') {
      const { id } = write.existing;
      try {
        const { data } = await octokit.rest.issues.updateComment({
          owner,
          repo,
          comment_id: id,
          body: write.body,
        });
        result.updated += 1;
        result.urls.push(data.html_url);
      } catch (cause) {
        throw new PlanCommentWriteError({ step: 'update', commentId: id, progress: progress(), cause });
      }
    } else {
      try {
        const { data } = await octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number: issueNumber,
          body: write.body,
        });
        result.created += 1;
        result.urls.push(data.html_url);
      } catch (cause) {
        throw new PlanCommentWriteError({ step: 'create', progress: progress(), cause });
      }
    }
  }

  for (const part of stale) {
    try {
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: part.id });
      result.deleted += 1;
    } catch (cause) {
      // Already gone (deleted by hand, or by a concurrent run): the goal is reached.
      if (requestStatus(cause) === 404) continue;
      throw new PlanCommentWriteError({ step: 'delete', commentId: part.id, progress: progress(), cause });
    }
  }
  return result;
}
