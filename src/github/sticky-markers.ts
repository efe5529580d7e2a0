/**
 * The hidden markers that identify the parts of Mergeplane's sticky comments (the plan comment, one `/mergeplane
 * diff` comment per app). HTML comments, so GitHub renders nothing for them.
 */
/** How the parts of one sticky comment are marked and recognized. */
export interface StickyMarker {
  /** The hidden marker line of part `part` of `total` (no line end). */
  format(part: number, total: number): string;
  /** The part number when `body` starts with this sticky comment's marker, else undefined. */
  parse(body: string): number | undefined;
}

/** The plan comment of pull request `pr`: `<!-- mergeplane:plan pr=12 part=1/2 -->`. */
export function planStickyMarker(pr: number): StickyMarker {
  return {
    format: (part, total) => formatCommentMarker({ pr, part, total }),
    parse: (body) => {
      const marker = parseCommentMarker(body);
      return marker?.pr === pr ? marker.part : undefined;
    },
  };
}

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
const PLAN_MARKER =
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
  const match = body == null ? null : PLAN_MARKER.exec(body);
  if (!match) return undefined;
  const [pr, part, total] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if (!isCount(pr) || !isCount(part) || !isCount(total) || part > total) return undefined;
  return { pr, part, total };
}

const DIFF_MARKER =
  /^<!-- mergeplane:diff pr=([1-9]\d{0,15}) app=([A-Za-z0-9.%]{1,800}) part=([1-9]\d{0,15})\/([1-9]\d{0,15}) -->(?:\r?\n|$)/;

/**
 * Application names come from the repository: everything but `[a-z0-9.]` is percent-encoded (also `-`,
 * `!` and `>`), so no name can end the HTML comment (`-->`, `--!>`) or look like another marker field.
 */
function encodeApp(app: string): string {
  return Array.from(new TextEncoder().encode(app.toLowerCase()), (byte) => {
    const char = String.fromCharCode(byte);
    return /[a-z0-9.]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/**
 * The sticky comment of `/mergeplane diff APP` for pull request `pr` and one application (`namespace/name`):
 * `<!-- mergeplane:diff pr=12 app=argocd%2Fweb part=1/3 -->`. One per (pull request, application); the plan
 * comment's marker never matches it, nor the reverse.
 */
export function diffStickyMarker(pr: number, app: string): StickyMarker {
  const encoded = encodeApp(app);
  return {
    format: (part, total) => {
      if (!isCount(pr) || !isCount(part) || part > total) {
        throw new RangeError(`invalid diff comment marker: pr=${pr} part=${part}/${total}`);
      }
      return `<!-- mergeplane:diff pr=${pr} app=${encoded} part=${part}/${total} -->`;
    },
    parse: (body) => {
      const match = DIFF_MARKER.exec(body);
      if (!match || Number(match[1]) !== pr || match[2] !== encoded) return undefined;
      const part = Number(match[3]);
      return part <= Number(match[4]) ? part : undefined;
    },
  };
}
