/**
 * Splitting the plan comment into numbered parts at GitHub's comment size limit without breaking its
 * Markdown: a part never ends inside an open code fence or `<details>` block; when a cut has to fall
 * inside one, the part closes it and the next part reopens it.
 */
import {
  closing,
  EMPTY,
  feedHtml,
  feedLine,
  HTML_TOKEN,
  maskCodeSpans,
  reopen,
  type Structure,
  settled,
  UNSPLITTABLE,
} from './markdown-structure.ts';

/** Where a comment may be cut, ranked from the best (the end) to the worst (inside a word). */

const RANK_END = 5;
const RANK_SECTION = 4;
const RANK_BLOCK_IN_DETAILS = 3;
const RANK_LINE = 2;
const RANK_LINE_IN_FENCE = 1;
const RANK_HARD = 0;
const RANK_HARD_UGLY = -1;

interface Line {
  start: number;
  /** End of the content, before `\r\n` or `\n`. */
  contentEnd: number;
  /** After the newline (or the end of the text). */
  end: number;
  before: Structure;
  after: Structure;
  blank: boolean;
  /** Opens or closes a fence: never cut inside. */
  fenceLine: boolean;
}

export function analyseLines(text: string): Line[] {
  const lines: Line[] = [];
  let structure = EMPTY;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    let contentEnd = newline === -1 ? text.length : newline;
    if (contentEnd > start && text[contentEnd - 1] === '\r') contentEnd -= 1;
    const content = text.slice(start, contentEnd);
    const after = feedLine(structure, content);
    const fenceLine = after.fence !== structure.fence;
    lines.push({ start, contentEnd, end, before: structure, after, blank: content.trim() === '', fenceLine });
    structure = after;
    start = end;
  }
  return lines;
}

/** Candidate cut positions (parallel arrays, by increasing offset); the first is 0, the last the end. */
export interface Cuts {
  offset: number[];
  structure: Structure[];
  midLine: boolean[];
  rank: number[];
  open: number[];
  close: number[];
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

export function buildCuts(text: string, lines: readonly Line[], limit: number, maxHeader: number): Cuts {
  const cuts: Cuts = { offset: [], structure: [], midLine: [], rank: [], open: [], close: [] };
  const push: Push = (offset, structure, midLine, rank) => {
    const final = offset === text.length;
    cuts.offset.push(offset);
    cuts.structure.push(structure);
    cuts.midLine.push(midLine);
    cuts.rank.push(final ? RANK_END : rank);
    cuts.open.push(offset === 0 ? 0 : reopen(structure).length);
    cuts.close.push(closing(structure, midLine, final).length);
  };
  push(0, EMPTY, false, RANK_END);
  let lastText = '';
  for (const [index, line] of lines.entries()) {
    if (!line.blank) lastText = text.slice(line.start, line.contentEnd);
    const whole =
      line.end - line.start + reopen(line.before).length + closing(line.after, false, false).length;
    if (whole + maxHeader > limit && !line.fenceLine) pushHardCuts(text, line, push);
    if (line.end === text.length && text.endsWith('\n') === false) break;
    if (!settled(line.after.frames) && line.end !== text.length) continue;
    const rank = line.after.fence
      ? RANK_LINE_IN_FENCE
      : line.blank
        ? (line.after.frames.length === 0 ? RANK_SECTION : RANK_BLOCK_IN_DETAILS) -
          (keepsWithNext(lastText, lines[index + 1]) ? 0.5 : 0)
        : RANK_LINE;
    push(line.end, line.after, false, rank);
  }
  if (cuts.offset.at(-1) !== text.length) {
    const last = lines.at(-1);
    push(text.length, last?.after ?? EMPTY, text.length > 0 && !text.endsWith('\n'), RANK_END);
  }
  return cuts;
}

/**
 * A heading, a `<details>` summary, or a paragraph introducing a code block stays with the block after
 * it when it can.
 */
function keepsWithNext(previousText: string, next: Line | undefined): boolean {
  const opensFence = next?.fenceLine === true && next.after.fence !== undefined;
  return opensFence || /^ {0,3}(#{1,6}(\s|$)|<details[\s>])/i.test(previousText);
}

type Push = (offset: number, structure: Structure, midLine: boolean, rank: number) => void;

/** Cuts inside a line longer than a part: at grapheme boundaries, never between a surrogate pair. */
function pushHardCuts(text: string, line: Line, push: Push): void {
  const content = text.slice(line.start, line.contentEnd);
  // 0: no cut; 1: a cut that splits a grapheme, an entity or a tag (only when nothing else fits); 2: fine.
  const quality = new Uint8Array(content.length + 1).fill(1);
  for (const { index } of graphemes.segment(content)) quality[index] = 2;
  // Outside a fence, the open structure changes at each `<details>`/`<summary>` tag in the line.
  const changes: { at: number; structure: Structure }[] = [];
  if (line.before.fence === undefined) {
    for (const m of content.matchAll(UNSPLITTABLE)) quality.fill(1, m.index + 1, m.index + m[0].length);
    for (const m of maskCodeSpans(content).matchAll(HTML_TOKEN)) {
      const at = m.index + m[0].length;
      quality.fill(0, m.index + 1, at);
      changes.push({ at, structure: feedHtml(line.before, content.slice(0, at)) });
    }
  }
  let structure = line.before;
  let next = 0;
  for (let i = 1; i < content.length; i += 1) {
    while (next < changes.length && changes[next]!.at <= i) structure = changes[next++]!.structure;
    if (quality[i] === 0 || isLowSurrogate(content.charCodeAt(i)) || !settled(structure.frames)) continue;
    push(line.start + i, structure, true, quality[i] === 2 ? RANK_HARD : RANK_HARD_UGLY);
  }
}
