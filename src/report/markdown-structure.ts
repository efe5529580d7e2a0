/**
 * Splitting the plan comment into numbered parts at GitHub's comment size limit without breaking its
 * Markdown: a part never ends inside an open code fence or `<details>` block; when a cut has to fall
 * inside one, the part closes it and the next part reopens it.
 */

/** Where a Markdown text is open at a line: `<details>`/`<summary>` frames and a code fence, to close and reopen. */

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
export interface Structure {
  readonly frames: readonly Frame[];
  readonly fence: Fence | undefined;
}

export const EMPTY: Structure = { frames: [], fence: undefined };

// Any indentation is accepted: inside list items a fence is legitimately indented past three spaces,
// and treating a rare indented code block as a fence only costs a harmless close/reopen.
const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
export const HTML_TOKEN = /<details(?=[\s>])[^>]*>|<\/details\s*>|<summary(?=[\s>])[^>]*>|<\/summary\s*>/gi;
// A hard cut inside these would leave half a tag or entity on each side.
export const UNSPLITTABLE = /<[^<>\n]*>|&#?[A-Za-z0-9]{1,32};/g;

export function settled(frames: readonly Frame[]): boolean {
  const top = frames.at(-1);
  return top === undefined || top.phase === 'body';
}

/** Inline code span contents blanked out (same length), so `<details>` written as code is not a tag. */
export function maskCodeSpans(line: string): string {
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
export function feedHtml(structure: Structure, line: string): Structure {
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

export function feedLine(structure: Structure, line: string): Structure {
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
export function reopen(structure: Structure): string {
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
export function closing(structure: Structure, midLine: boolean, final: boolean): string {
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
