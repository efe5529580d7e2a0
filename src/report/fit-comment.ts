import {
  type CommentPart,
  GITHUB_COMMENT_LIMIT,
  type SplitCommentOptions,
  splitComment,
} from './split-comment.ts';

export const DEFAULT_MAX_PARTS = 10;

/** Characters of Markdown that `maxParts` comments hold, less room for part headers and cut scaffolding. */
export function commentBudget(maxParts: number, limit = GITHUB_COMMENT_LIMIT): number {
  return maxParts * (limit - 1024);
}

export interface FitCommentOptions extends SplitCommentOptions {
  /** At most this many parts are returned (`comment.maxParts`). */
  maxParts: number;
  /** Trusted Markdown put after the kept text when something had to be left out. */
  overflowNote: string;
}

/**
 * `splitComment`, but never more than `maxParts` parts: a longer text is cut at a line end (the splitter
 * closes any code block or `<details>` left open) and starts with `overflowNote`, so a hostile or huge plan
 * costs at most `maxParts` comments.
 */
export function fitComment(markdown: string, o: FitCommentOptions): CommentPart[] {
  const maxParts = Math.max(1, Math.floor(o.maxParts));
  const split = (text: string) =>
    splitComment(text, {
      ...(o.limit === undefined ? {} : { limit: o.limit }),
      ...(o.header ? { header: o.header } : {}),
    });
  const parts = split(markdown);
  if (parts.length <= maxParts) return parts;
  const limit = Math.floor(o.limit ?? GITHUB_COMMENT_LIMIT);
  // Start from what the parts can hold and shrink until the close/reopen scaffolding fits too.
  let keep = Math.max(0, maxParts * limit - o.overflowNote.length - 4 * 1024);
  for (;;) {
    const cut = markdown.lastIndexOf('\n', keep);
    const kept = markdown.slice(0, cut > 0 ? cut : keep);
    // The note goes first: at the end it could land inside a code block or <details> the cut left open.
    const fitted = split(`${o.overflowNote}\n\n${kept}\n`);
    if (fitted.length <= maxParts || keep === 0) return fitted.slice(0, maxParts);
    keep = Math.floor(keep * 0.9);
  }
}
