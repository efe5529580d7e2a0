import { describe, expect, it } from 'vitest';
import type { AppReport } from '../../src/model/plan-report.ts';
import { buildReport } from '../../src/report/build-report.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import {
  type CommentPart,
  CommentSplitError,
  LINE_CUT_NOTE,
  splitComment,
} from '../../src/report/split-comment.ts';
import { app, BASE, gate, HEAD, resource } from './report-fixtures.ts';

// An independent, simpler model of what is open at a position: fences and `<details>` with a summary
// on the same line (all renderMarkdown and these tests write).
interface Open {
  fence: { line: string; indent: string; marker: string } | undefined;
  details: { tag: string; summary: string }[];
  /** A `</details>` with nothing open. */
  underflow: boolean;
}

function openAt(markdown: string): Open {
  const open: Open = { fence: undefined, details: [], underflow: false };
  for (const line of markdown.split('\n')) {
    if (open.fence) {
      const close = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
      if (close && close[0] === open.fence.marker[0] && close.length >= open.fence.marker.length) {
        open.fence = undefined;
      }
      continue;
    }
    const fence = /^([ \t]*)(`{3,}|~{3,})([^`]*)$/.exec(line);
    if (fence) {
      open.fence = { line, indent: fence[1]!, marker: fence[2]! };
      continue;
    }
    for (const tag of line.matchAll(/(<details[^>]*>)(?:<summary>(.*?)<\/summary>)?|<\/details>/g)) {
      if (tag[1] !== undefined) open.details.push({ tag: tag[1], summary: tag[2] ?? 'Details' });
      else if (open.details.pop() === undefined) open.underflow = true;
    }
  }
  return open;
}

function expectBalanced(parts: readonly CommentPart[]): void {
  for (const part of parts) {
    const open = openAt(part.body);
    expect(open.fence, `part ${part.index} leaves a fence open`).toBeUndefined();
    expect(open.details, `part ${part.index} leaves <details> open`).toEqual([]);
    expect(open.underflow, `part ${part.index} closes a <details> it did not open`).toBe(false);
  }
}

// The scaffolding splitComment documents, written out independently.
function reopen(open: Open): string {
  const details = open.details.map((d) => `${d.tag}<summary>${d.summary} (continued)</summary>\n\n`);
  return details.join('') + (open.fence ? `${open.fence.line}\n` : '');
}

function close(open: Open, midLine: boolean, final: boolean): string {
  const note = midLine && !final;
  if (!note && !open.fence && open.details.length === 0) return '';
  return [
    midLine ? '\n' : '',
    open.fence ? `${open.fence.indent}${open.fence.marker}\n` : '',
    note ? `\n${LINE_CUT_NOTE}\n` : '',
    '\n</details>\n'.repeat(open.details.length),
  ].join('');
}

/**
 * Strips each part's header and close/reopen scaffolding (checking they are exactly what the state of
 * the original at the cut calls for) and returns the concatenated content.
 */
function reassemble(
  original: string,
  parts: readonly CommentPart[],
  header: (index: number, total: number) => string = () => '',
): string {
  let pos = 0;
  for (const part of parts) {
    const head = header(part.index, part.total);
    const prefix =
      (head === '' ? '' : `${head}\n\n`) + (pos === 0 ? '' : reopen(openAt(original.slice(0, pos))));
    expect(part.body.startsWith(prefix), `part ${part.index} starts with its header and reopening`).toBe(
      true,
    );
    const rest = part.body.slice(prefix.length);
    let k = 0;
    while (k < rest.length && rest[k] === original[pos + k]) k += 1;
    for (; k >= 0; k -= 1) {
      const end = pos + k;
      const midLine = end > 0 && original[end - 1] !== '\n';
      if (rest.slice(k) === close(openAt(original.slice(0, end)), midLine, end === original.length)) break;
    }
    expect(k, `part ${part.index} ends with the closing its cut calls for`).toBeGreaterThan(0);
    pos += k;
  }
  return original.slice(0, pos);
}

function expectValidSplit(
  original: string,
  parts: readonly CommentPart[],
  limit: number,
  header?: (index: number, total: number) => string,
): void {
  expect(parts.map((p) => [p.index, p.total])).toEqual(parts.map((_, i) => [i + 1, parts.length]));
  for (const part of parts) {
    expect(part.body.length).toBeLessThanOrEqual(limit);
    expect(part.body.isWellFormed(), `part ${part.index} is well-formed UTF-16`).toBe(true);
  }
  expectBalanced(parts);
  expect(reassemble(original, parts, header)).toBe(original);
}

function bigDiff(name: string, lines: number): string {
  const body = Array.from(
    { length: lines },
    (_, i) => `${i % 3 === 0 ? '-' : '+'}  ${name}-key-${i}: value-${'x'.repeat(40 + (i % 17))}`,
  );
  return `--- base/ConfigMap/web/${name}\n+++ head/ConfigMap/web/${name}\n@@ -1,${lines} +1,${lines} @@\n${body.join('\n')}\n`;
}

function renderApps(apps: AppReport[], maxDiffLines?: number): string {
  const report = buildReport({ base: BASE, head: HEAD, apps, gates: [gate()] });
  return renderMarkdown(report, maxDiffLines === undefined ? {} : { maxDiffLines });
}

function largeReport(appCount = 12): string {
  const apps = Array.from({ length: appCount }, (_, a) =>
    app({
      name: `service-${String(a).padStart(2, '0')}`,
      resources: Array.from({ length: 3 }, (_, r) =>
        resource({
          kind: 'ConfigMap',
          group: '',
          name: `config-${r}`,
          diff: bigDiff(`s${a}r${r}`, 300 + 40 * r),
        }),
      ),
    }),
  );
  apps.push(app({ name: 'broken', status: 'error', error: 'helm template failed', resources: [] }));
  return renderApps(apps);
}

const partHeader = (index: number, total: number) =>
  `<!-- mergeplane:plan part ${index}/${total} -->\n**Part ${index} of ${total}**`;

describe('splitComment', () => {
  it.each([
    ['a short body', '### Mergeplane plan\n\nNo changes.\n', 65536],
    ['a body exactly at the limit', 'x'.repeat(499), 499],
    ['an empty body', '', 10],
  ])('keeps %s as one part, unchanged', (_, markdown, limit) => {
    expect(splitComment(markdown, { limit })).toEqual([{ index: 1, total: 1, body: markdown }]);
  });

  it('puts the header and a blank line above a single part', () => {
    expect(splitComment('body\n', { header: partHeader })).toEqual([
      { index: 1, total: 1, body: `${partHeader(1, 1)}\n\nbody\n` },
    ]);
  });

  it('splits a large rendered report at 65536 into balanced parts that reassemble into it', () => {
    const markdown = largeReport();
    expect(markdown.length).toBeGreaterThan(3 * 65536);
    const parts = splitComment(markdown);
    expect(parts.length).toBeGreaterThan(3);
    expectValidSplit(markdown, parts, 65536);
    // Packed this tightly most cuts fall inside a diff, but where there is room the cut falls between
    // two resources: after a diff, not between a resource's title and its diff.
    expect(parts[0]!.body.endsWith('\n```\n\n\n</details>\n')).toBe(true);
    expect(parts[0]!.body).toContain('**update** `ConfigMap web/config-1`');
  });

  it.each([
    [500, 2],
    [2000, 4],
    [9000, 12],
  ])('splits a report within a small limit of %i, with headers (%i apps)', (limit, appCount) => {
    const markdown = largeReport(appCount);
    const parts = splitComment(markdown, { limit, header: partHeader });
    expectValidSplit(markdown, parts, limit, partHeader);
    parts.forEach((part) => {
      expect(part.body.startsWith(`${partHeader(part.index, part.total)}\n\n`)).toBe(true);
    });
  });

  it('reopens one giant diff in every part as ```diff inside its <details>', () => {
    const markdown = renderApps([app({ resources: [resource({ diff: bigDiff('huge', 3000) })] })], 5000);
    const limit = 3000;
    const parts = splitComment(markdown, { limit });
    expect(parts.length).toBeGreaterThan(50);
    expectValidSplit(markdown, parts, limit);
    const summary = '<summary><b>frontend</b> — ✏️ changed · 1 to update (continued)</summary>';
    for (const part of parts.slice(1, -1)) {
      expect(part.body.startsWith(`<details>${summary}\n\n\`\`\`diff\n`)).toBe(true);
      expect(part.body.endsWith('\n```\n\n</details>\n')).toBe(true);
    }
    expect(parts.at(-1)!.body.startsWith(`<details>${summary}\n\n\`\`\`diff\n`)).toBe(true);
  });

  it('counts the header toward the limit, also when its length changes with the total', () => {
    const markdown = Array.from({ length: 200 }, (_, i) => `line ${i} ${'y'.repeat(40)}`).join('\n');
    const limit = 300;
    const parts = splitComment(markdown, { limit, header: partHeader });
    expect(parts.length).toBeGreaterThanOrEqual(10);
    expect(parts.some((p) => p.body.length > limit - 5)).toBe(true);
    expectValidSplit(markdown, parts, limit, partHeader);
  });

  it('uses the fewest parts, filling them line by line', () => {
    const markdown = Array.from({ length: 10 }, (_, i) => `${i}${'z'.repeat(98)}\n`).join('');
    const parts = splitComment(markdown, { limit: 300 });
    expect(parts.map((p) => p.body.length)).toEqual([300, 300, 300, 100]);
  });

  it('prefers a section boundary when it does not cost a part', () => {
    const section = (name: string) =>
      [`#### ${name}`, ...Array.from({ length: 9 }, (_, i) => `${name} ${i} ${'w'.repeat(24)}`)].join('\n');
    const markdown = `${['A', 'B', 'C'].map(section).join('\n\n')}\n`;
    expect(splitComment(markdown, { limit: 800 }).map((p) => p.body)).toEqual([
      `${section('A')}\n\n${section('B')}\n\n`,
      `${section('C')}\n`,
    ]);
    // At 500 two parts need a cut inside a section; the cut stays at a line end.
    const parts = splitComment(markdown, { limit: 500 });
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.body.endsWith('\n'))).toBe(true);
    expectValidSplit(markdown, parts, 500);
  });

  it('closes and reopens nested <details>, tilde and longer backtick fences with their info strings', () => {
    const code = Array.from({ length: 40 }, (_, i) => `value ${i} ${'v'.repeat(30)}`).join('\n');
    const markdown = [
      '<details open><summary>Outer</summary>',
      '',
      '<details><summary>Inner <b>one</b></summary>',
      '',
      `~~~~yaml title="x"\n${code}\n~~~~`,
      '',
      `\`\`\`\`text\n\`\`\`not a close\n${code}\n\`\`\`\``,
      '',
      '</details>',
      '',
      '</details>',
      '',
    ].join('\n');
    const parts = splitComment(markdown, { limit: 500 });
    expectValidSplit(markdown, parts, 500);
    const reopened = parts.slice(1).map((p) => p.body.split('\n\n', 2).join('\n\n'));
    expect(reopened).toContain(
      '<details open><summary>Outer (continued)</summary>\n\n<details><summary>Inner <b>one</b> (continued)</summary>',
    );
    expect(parts.some((p) => p.body.includes('(continued)</summary>\n\n~~~~yaml title="x"\nvalue'))).toBe(
      true,
    );
    expect(parts.some((p) => p.body.includes('(continued)</summary>\n\n````text\n'))).toBe(true);
  });

  it('reopens an indented fence inside a list item with its indentation', () => {
    const code = Array.from({ length: 30 }, (_, i) => `  message ${i} ${'m'.repeat(30)}`).join('\n');
    const markdown = `- ❌ **render**: failed\n\n  \`\`\`text\n${code}\n  \`\`\`\n`;
    const parts = splitComment(markdown, { limit: 400 });
    expectValidSplit(markdown, parts, 400);
    expect(parts[0]!.body.endsWith('\n  ```\n')).toBe(true);
    expect(parts[1]!.body.startsWith('  ```text\n')).toBe(true);
  });

  it('does not take <details> in inline code or inside a fence for a block', () => {
    const markdown = [
      ...Array.from({ length: 20 }, (_, i) => `gate ${i} at \`<details>\` ${'q'.repeat(30)}`),
      '```text',
      ...Array.from({ length: 20 }, () => `<details><summary>literal</summary> ${'r'.repeat(20)}`),
      '```',
      '',
    ].join('\n');
    const parts = splitComment(markdown, { limit: 400 });
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.some((p) => p.body.includes('(continued)'))).toBe(false);
    expect(parts.some((p) => p.body.includes('</details>'))).toBe(false);
  });

  it.each([
    ['a long emoji line', '😀'.repeat(700)],
    ['an emoji line inside a fence', `\`\`\`text\n${'a😀'.repeat(500)}\n\`\`\`\n`],
    ['a long line of joined emoji and entities', `${'👨‍👩‍👧 &amp; '.repeat(150)}\n`],
    ['emoji at every line end', Array.from({ length: 200 }, (_, i) => `${'e'.repeat(i % 7)}🎉`).join('\n')],
  ])('never cuts a surrogate pair or a grapheme: %s', (_, markdown) => {
    const limit = 500;
    const parts = splitComment(markdown, { limit });
    expect(parts.length).toBeGreaterThan(1);
    expectValidSplit(markdown, parts, limit);
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    const graphemes = [...segmenter.segment(markdown)].map((s) => s.segment);
    for (const part of parts.slice(1)) {
      const start = part.body.replace(/^```text\n/, '');
      expect(graphemes.some((g) => start.startsWith(g))).toBe(true);
      expect(start).not.toMatch(/^(\u200d|amp;|mp;|p;|;)/);
    }
  });

  it('cuts a line longer than a part hard, with a note', () => {
    const markdown = `intro\n\n${'{"minified":true}'.repeat(100)}\n\noutro\n`;
    const parts = splitComment(markdown, { limit: 500 });
    expectValidSplit(markdown, parts, 500);
    expect(parts.filter((p) => p.body.endsWith(`\n\n${LINE_CUT_NOTE}\n`)).length).toBe(parts.length - 1);
  });

  it('replaces a lone surrogate in the input rather than passing it on', () => {
    expect(splitComment('a\ud800b')[0]!.body).toBe('a\ufffdb');
  });

  it('is deterministic', () => {
    const markdown = largeReport();
    expect(splitComment(markdown, { limit: 7000 })).toEqual(splitComment(markdown, { limit: 7000 }));
  });

  it.each([
    ['a header that leaves no room', { limit: 50, header: () => 'h'.repeat(60) }],
    ['a zero limit', { limit: 0 }],
  ])('throws CommentSplitError for %s', (_, options) => {
    expect(() => splitComment('some text\n'.repeat(20), options)).toThrow(CommentSplitError);
  });
});
