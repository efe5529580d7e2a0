/**
 * Splitting the plan comment into numbered parts at GitHub's comment size limit without breaking its
 * Markdown: a part never ends inside an open code fence or `<details>` block; when a cut has to fall
 * inside one, the part closes it and the next part reopens it.
 */

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

/** Put after a line that had to be cut inside (only a line longer than a whole part). */
export const LINE_CUT_NOTE = '_… this line is too long for one part and continues in the next part._';

interface Fence {
  /** The opening line as written (indentation, fence string, info string), reopened as is. */
  readonly openLine: string;
  readonly indent: string;
  readonly marker: string;
}

interface Frame {
  /** The opening tag as written, e.g. `<details>` or `<details open>`. */
  readonly tag: string;
  readonly summary: string | undefined;
  /** `tag`: no content yet, a `<summary>` may follow; `summary`: inside it; `body`: settled. */
  readonly phase: 'tag' | 'summary' | 'body';
  readonly collected: string;
}

/** What is open at a position: `<details>` blocks outermost first, then at most one fence. */
interface Structure {
  readonly frames: readonly Frame[];
  readonly fence: Fence | undefined;
}

const EMPTY: Structure = { frames: [], fence: undefined };

// Any indentation is accepted: inside list items a fence is legitimately indented past three spaces,
// and treating a rare indented code block as a fence only costs a harmless close/reopen.
const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
const HTML_TOKEN = /<details(?=[\s>])[^>]*>|<\/details\s*>|<summary(?=[\s>])[^>]*>|<\/summary\s*>/gi;
// A hard cut inside these would leave half a tag or entity on each side.
const UNSPLITTABLE = /<[^<>\n]*>|&#?[A-Za-z0-9]{1,32};/g;

const RANK_END = 5;
const RANK_SECTION = 4;
const RANK_BLOCK_IN_DETAILS = 3;
const RANK_LINE = 2;
const RANK_LINE_IN_FENCE = 1;
const RANK_HARD = 0;
const RANK_HARD_UGLY = -1;

function settled(frames: readonly Frame[]): boolean {
  const top = frames.at(-1);
  return top === undefined || top.phase === 'body';
}

/** Inline code span contents blanked out (same length), so `<details>` written as code is not a tag. */
function maskCodeSpans(line: string): string {
  let out = '';
  let at = 0;
  const runs = /`+/g;
  for (let run = runs.exec(line); run !== null; run = runs.exec(line)) {
    const closing = new RegExp(`(?<!\`)\`{${run[0].length}}(?!\`)`, 'g');
    closing.lastIndex = run.index + run[0].length;
    const end = closing.exec(line);
    if (end === null) continue;
    const stop = end.index + end[0].length;
    out += line.slice(at, run.index) + ' '.repeat(stop - run.index);
    at = stop;
    runs.lastIndex = stop;
  }
  return out + line.slice(at);
}

/** `<details>`/`<summary>` tags of a line outside fences, applied to the open frames. */
function feedHtml(structure: Structure, line: string): Structure {
  const frames = [...structure.frames];
  let changed = false;
  const setTop = (frame: Frame) => {
    frames[frames.length - 1] = frame;
    changed = true;
  };
  const text = (from: number, to: number) => {
    const top = frames.at(-1);
    if (top === undefined || from >= to) return;
    const piece = line.slice(from, to);
    if (top.phase === 'summary') setTop({ ...top, collected: top.collected + piece });
    else if (top.phase === 'tag' && piece.trim() !== '') setTop({ ...top, phase: 'body' });
  };
  const masked = maskCodeSpans(line);
  let at = 0;
  for (const token of masked.matchAll(HTML_TOKEN)) {
    text(at, token.index);
    at = token.index + token[0].length;
    const word = token[0].toLowerCase();
    const top = frames.at(-1);
    if (word.startsWith('<details')) {
      if (top?.phase === 'tag') setTop({ ...top, phase: 'body' });
      frames.push({ tag: line.slice(token.index, at), summary: undefined, phase: 'tag', collected: '' });
      changed = true;
    } else if (word.startsWith('</details')) {
      if (frames.length > 0) {
        frames.pop();
        changed = true;
      }
    } else if (word.startsWith('<summary')) {
      if (top?.phase === 'tag') setTop({ ...top, phase: 'summary', collected: '' });
    } else if (top?.phase === 'summary') {
      setTop({ ...top, phase: 'body', summary: top.collected.replace(/\s+/g, ' ').trim() });
    }
  }
  text(at, line.length);
  const top = frames.at(-1);
  // A summary spanning lines: its pieces are joined with a space.
  if (top?.phase === 'summary' && line !== '') setTop({ ...top, collected: `${top.collected} ` });
  return changed ? { frames, fence: undefined } : structure;
}

function feedLine(structure: Structure, line: string): Structure {
  const { fence } = structure;
  if (fence !== undefined) {
    const close = FENCE_CLOSE.exec(line)?.[1];
    const closes = close !== undefined && close[0] === fence.marker[0] && close.length >= fence.marker.length;
    return closes ? { frames: structure.frames, fence: undefined } : structure;
  }
  const open = FENCE_OPEN.exec(line);
  if (open !== null && !(open[2]!.startsWith('`') && open[3]!.includes('`'))) {
    const frames = settled(structure.frames)
      ? structure.frames
      : [...structure.frames.slice(0, -1), { ...structure.frames.at(-1)!, phase: 'body' as const }];
    return { frames, fence: { openLine: line, indent: open[1]!, marker: open[2]! } };
  }
  return feedHtml(structure, line);
}

const reopenCache = new WeakMap<Structure, string>();

/** Put at the start of a part that begins inside `structure`. */
function reopen(structure: Structure): string {
  let text = reopenCache.get(structure);
  if (text === undefined) {
    text = structure.frames
      .map((f) => `${f.tag}<summary>${f.summary ?? 'Details'} (continued)</summary>\n\n`)
      .join('');
    if (structure.fence) text += `${structure.fence.openLine}\n`;
    reopenCache.set(structure, text);
  }
  return text;
}

const closingCache = new WeakMap<Structure, Map<string, string>>();

/** Put at the end of a part that ends inside `structure`; `midLine`: the cut falls inside a line. */
function closing(structure: Structure, midLine: boolean, final: boolean): string {
  let cache = closingCache.get(structure);
  if (cache === undefined) {
    cache = new Map();
    closingCache.set(structure, cache);
  }
  const key = `${midLine}${final}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = closingText(structure, midLine, final);
    cache.set(key, text);
  }
  return text;
}

function closingText(structure: Structure, midLine: boolean, final: boolean): string {
  const note = midLine && !final;
  if (!note && structure.fence === undefined && structure.frames.length === 0) return '';
  return [
    midLine ? '\n' : '',
    structure.fence ? `${structure.fence.indent}${structure.fence.marker}\n` : '',
    note ? `\n${LINE_CUT_NOTE}\n` : '',
    '\n</details>\n'.repeat(structure.frames.length),
  ].join('');
}

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

function analyseLines(text: string): Line[] {
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
interface Cuts {
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

function buildCuts(text: string, lines: readonly Line[], limit: number, maxHeader: number): Cuts {
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
