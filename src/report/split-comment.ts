/**
 * Splitting the plan comment into numbered parts at GitHub's comment size limit without breaking its
 * Markdown: a part never ends inside an open code fence or `<details>` block; when a cut has to fall
 * inside one, the part closes it and the next part reopens it.
 */

export { LINE_CUT_NOTE } from './markdown-structure.ts';

import { analyseLines, buildCuts, type Cuts } from './comment-cuts.ts';
import { closing, reopen } from './markdown-structure.ts';
export interface CommentPart {
  /** 1-based, as shown to readers ("Part 2 of 3"). */
  index: number;
  total: number;
  body: string;
}

export interface SplitCommentOptions {
  /** Maximum length of each part's body, header included; default 65536, GitHub's limit. */
  limit?: number;
  /**
   * Text put at the top of each part (e.g. a hidden marker and "Part 2 of 3"), followed by a blank
   * line; both count toward the limit. Also called for a single part (1, 1): return '' to show none.
   */
  header?: (index: number, total: number) => string;
}

/** The limit leaves no room for content next to the header and the close/reopen lines a cut needs. */
export class CommentSplitError extends Error {
  override readonly name = 'CommentSplitError';
}

export const GITHUB_COMMENT_LIMIT = 65536;

interface Plan {
  cuts: Cuts;
  headers: string[];
  /** Indexes into `cuts` of each part's start, plus the end. */
  bounds: number[];
}

function headerText(header: SplitCommentOptions['header'], index: number, total: number): string {
  const text = header?.(index, total) ?? '';
  return text === '' ? '' : `${text.replace(/\n+$/, '')}\n\n`;
}

function fits(cuts: Cuts, limit: number, headerLength: number, from: number, to: number): boolean {
  const size = headerLength + cuts.open[from]! + cuts.offset[to]! - cuts.offset[from]! + cuts.close[to]!;
  return size <= limit;
}

/** Farthest cut each time: the fewest parts for these candidate cuts. */
function greedy(cuts: Cuts, limit: number, headerLength: (index: number) => number): number[] {
  const last = cuts.offset.length - 1;
  const bounds = [0];
  let from = 0;
  do {
    const length = headerLength(bounds.length);
    let best = -1;
    for (let to = from + 1; to <= last && cuts.offset[to]! - cuts.offset[from]! <= limit; to += 1) {
      if (fits(cuts, limit, length, from, to)) best = to;
    }
    if (best === -1) {
      if (last === 0 && fits(cuts, limit, length, 0, 0)) return [0, 0];
      throw new CommentSplitError(
        `a comment part cannot hold any content within ${limit} characters at offset ${cuts.offset[from]}`,
      );
    }
    bounds.push(best);
    from = best;
  } while (from < last);
  return bounds;
}

/**
 * Among the splits into exactly as many parts as `greedy` found, the one that cuts at the best-ranked
 * positions (section boundaries first), latest first within a rank. `latestStart[m]` is the earliest
 * cut from which the last m parts still fit; a cut before it would need an extra part.
 */
function preferBoundaries(
  cuts: Cuts,
  limit: number,
  headers: readonly string[],
  fallback: number[],
): number[] {
  const total = headers.length;
  const last = cuts.offset.length - 1;
  const latestStart = [last];
  for (let m = 1; m < total; m += 1) {
    const to = latestStart[m - 1]!;
    const length = headers[total - m]!.length;
    let earliest = -1;
    for (let from = to - 1; from >= 0 && cuts.offset[to]! - cuts.offset[from]! <= limit; from -= 1) {
      if (fits(cuts, limit, length, from, to)) earliest = from;
    }
    if (earliest === -1) return fallback;
    latestStart.push(earliest);
  }
  const bounds = [0];
  let from = 0;
  for (let index = 1; index < total; index += 1) {
    const length = headers[index - 1]!.length;
    const earliest = latestStart[total - index]!;
    let best = -1;
    for (let to = from + 1; to < last && cuts.offset[to]! - cuts.offset[from]! <= limit; to += 1) {
      if (to < earliest || !fits(cuts, limit, length, from, to)) continue;
      if (best === -1 || cuts.rank[to]! >= cuts.rank[best]!) best = to;
    }
    if (best === -1) return fallback;
    bounds.push(best);
    from = best;
  }
  if (!fits(cuts, limit, headers[total - 1]!.length, from, last)) return fallback;
  bounds.push(last);
  return bounds;
}

function plan(text: string, limit: number, header: SplitCommentOptions['header']): Plan {
  const lines = analyseLines(text);
  // The headers' length may depend on the total ("Part 2 of 10"): settle on a total that reproduces
  // itself. With headers that never shrink as the total grows, the guesses only increase, so this ends.
  let total = 1;
  const cutsByHeader = new Map<number, Cuts>();
  for (let round = 0; round < 32; round += 1) {
    const headers = (count: number) =>
      Array.from({ length: count }, (_, i) => headerText(header, i + 1, Math.max(total, i + 1)));
    let known = headers(total);
    const lengthOf = (index: number) => {
      if (index > known.length) known = headers(index);
      return known[index - 1]!.length;
    };
    const maxHeader = Math.max(...known.map((h) => h.length));
    // Only lines too long for a part depend on the header length: most rounds reuse the cuts.
    const cuts = cutsByHeader.get(maxHeader) ?? buildCuts(text, lines, limit, maxHeader);
    cutsByHeader.set(maxHeader, cuts);
    const bounds = greedy(cuts, limit, lengthOf);
    const count = bounds.length - 1;
    if (count === total) {
      const final = known.slice(0, total);
      return { cuts, headers: final, bounds: preferBoundaries(cuts, limit, final, bounds) };
    }
    total = count;
  }
  throw new CommentSplitError('the header length keeps changing the number of parts');
}

/**
 * The comment body split into the fewest parts of at most `limit` characters, header included. A body
 * that fits is one part. Cuts prefer blank lines between top-level sections, then blank lines inside a
 * `<details>` block, then line ends outside code blocks, then line ends inside them; only a line longer
 * than a part is cut inside (at a grapheme boundary, with a note). A part cut inside a fenced code
 * block closes the fence and the next part reopens it with the same fence and info string; likewise
 * `<details>` (nested ones too) are closed with `</details>` and reopened with the same tag and
 * `<summary>… (continued)</summary>`. Without the headers and that scaffolding, the parts concatenate
 * back to the input. A fence or `<details>` the input itself leaves open is closed at the end of the
 * last part. Headings, summaries and a paragraph introducing a code block are kept with what follows
 * when the part count allows. "Fewest" is the greedy count over these cut positions, exact as long as
 * the close/reopen lines around a cut do not outweigh the text they replace.
 *
 * Lengths are JavaScript string lengths (UTF-16 code units). GitHub counts characters (code points),
 * never more than code units, so a part within the limit here is within GitHub's. The input is made
 * well-formed first (a lone surrogate becomes U+FFFD, same length), and no cut splits a surrogate pair.
 * Pure and deterministic.
 */
export function splitComment(markdown: string, options: SplitCommentOptions = {}): CommentPart[] {
  const limit = Math.floor(options.limit ?? GITHUB_COMMENT_LIMIT);
  if (!(limit > 0)) throw new CommentSplitError(`invalid comment size limit: ${options.limit}`);
  const text = markdown.toWellFormed();
  const { cuts, headers, bounds } = plan(text, limit, options.header);
  const total = bounds.length - 1;
  const parts: CommentPart[] = [];
  for (let i = 0; i < total; i += 1) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    const final = to === cuts.offset.length - 1;
    const body = [
      headers[i]!,
      from === 0 ? '' : reopen(cuts.structure[from]!),
      text.slice(cuts.offset[from]!, cuts.offset[to]!),
      closing(cuts.structure[to]!, cuts.midLine[to]!, final),
    ].join('');
    parts.push({ index: i + 1, total, body });
  }
  return parts;
}
