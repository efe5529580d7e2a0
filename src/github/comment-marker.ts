/**
 * The hidden marker that identifies each part of a pull request's sticky plan comment, e.g.
 * `<!-- mergeplane:plan pr=12 part=2/3 -->`. It is an HTML comment, so GitHub renders nothing for it.
 */

export interface CommentMarker {
  /** The pull request (issue) number the comment belongs to. */
  pr: number;
  /** 1-based part number. */
  part: number;
  /** How many parts the plan had when this part was written. */
  total: number;
}

// Anchored at the very start of the body, not per line: a marker quoted inside someone's text, or further
// down a comment, is never ours. The marker must be a line of its own (followed by a line end or nothing).
const MARKER =
  /^<!-- mergeplane:plan pr=([1-9]\d{0,15}) part=([1-9]\d{0,15})\/([1-9]\d{0,15}) -->(?:\r?\n|$)/;

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1;
}

/** The marker line, without a line end. Throws `RangeError` for numbers a marker cannot hold. */
export function formatCommentMarker(marker: CommentMarker): string {
  const { pr, part, total } = marker;
  if (!isCount(pr) || !isCount(part) || !isCount(total) || part > total) {
    throw new RangeError(`invalid plan comment marker: pr=${pr} part=${part}/${total}`);
  }
  return `<!-- mergeplane:plan pr=${pr} part=${part}/${total} -->`;
}

/**
 * The marker at the very start of a comment body, or undefined when the body does not start with a
 * well-formed one. Who wrote the comment is the caller's check: a body alone cannot prove it.
 */
export function parseCommentMarker(body: string | null | undefined): CommentMarker | undefined {
  const match = body == null ? null : MARKER.exec(body);
  if (!match) return undefined;
  const [pr, part, total] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if (!isCount(pr) || !isCount(part) || !isCount(total) || part > total) return undefined;
  return { pr, part, total };
}
