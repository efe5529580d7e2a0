import { describe, expect, it } from 'vitest';
import { commentBudget, fitComment } from '../../src/report/fit-comment.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { GITHUB_COMMENT_LIMIT } from '../../src/report/split-comment.ts';
import { app, planReport, resource } from './report-fixtures.ts';

/** A diff of `lines` changed lines: what one big app contributes. */
function bigDiff(lines: number): string {
  const body = Array.from({ length: lines }, (_, i) => `+  key${i}: ${'v'.repeat(60)}`).join('\n');
  return `--- /dev/null\n+++ head/ConfigMap/web/big\n@@ -0,0 +1,${lines} @@\n${body}\n`;
}

const manyApps = (count: number) =>
  planReport({
    apps: Array.from({ length: count }, (_, i) =>
      app({ name: `app-${String(i).padStart(3, '0')}`, resources: [resource({ diff: bigDiff(450) })] }),
    ),
  });

describe('the comment budget', () => {
  it('keeps every app diff when the plan fits', () => {
    const report = manyApps(3);
    expect(renderMarkdown(report, { maxLength: commentBudget(10) })).toBe(renderMarkdown(report));
  });

  it('leaves out the app diffs that do not fit and names them with where to see them', () => {
    const markdown = renderMarkdown(manyApps(60), { maxLength: commentBudget(2) });
    expect(markdown.length).toBeLessThanOrEqual(commentBudget(2));
    const shown = (markdown.match(/<details><summary>/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(60);
    expect(markdown).toContain(`The diffs of ${60 - shown} applications are not shown`);
    // Apps sort by name; the first left out is the next one, and past 50 names the rest is counted.
    expect(markdown).toContain(`\`app-${String(shown).padStart(3, '0')}\``);
    expect(markdown).toContain(`and ${60 - shown - 50} more`);
    expect(markdown).toContain('/mergeplane diff APP');
    // The summary table still lists every app.
    expect((markdown.match(/\| \*\*app-\d{3}\*\* \|/g) ?? []).length).toBe(60);
  });

  it('never returns more than maxParts parts, each within the limit, with the note up front', () => {
    // No budget applied upstream: 60 apps of ~30 KB each is ~27 parts of 65,536 characters.
    const markdown = renderMarkdown(manyApps(60));
    const note = '> The rest is left out.';
    const parts = fitComment(markdown, {
      maxParts: 3,
      overflowNote: note,
      header: (i, n) => `<!-- part ${i}/${n} -->`,
    });
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(parts[0]!.body).toContain(note);
    // What is kept is the start of the plan, unchanged.
    expect(parts[0]!.body).toContain(markdown.slice(0, 200));
  });

  it('returns the plain split when it is within maxParts', () => {
    const parts = fitComment('short plan\n', { maxParts: 1, overflowNote: 'x' });
    expect(parts).toEqual([{ index: 1, total: 1, body: 'short plan\n' }]);
  });
});
