import { describe, expect, it } from 'vitest';
import type { PlanReport } from '../../src/model/plan-report.ts';
import { renderAppDiffMarkdown } from '../../src/report/render-app-diff-markdown.ts';
import { GITHUB_COMMENT_LIMIT, splitComment } from '../../src/report/split-comment.ts';
import { summarizeReport } from '../../src/report/summarize-report.ts';
import { app, BASE, HEAD, resource } from './report-fixtures.ts';

function planOf(apps: PlanReport['apps']): PlanReport {
  return { version: 1, base: BASE, head: HEAD, summary: summarizeReport(apps), apps, claims: [], gates: [] };
}

/** Every fenced block opened is closed by a fence of the same length: nothing leaks out of a block. */
function fencesBalanced(body: string): boolean {
  let open: string | undefined;
  for (const line of body.split('\n')) {
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === undefined) open = fence;
    else if (line.trim() === open) open = undefined;
  }
  return open === undefined;
}

describe('renderAppDiffMarkdown', () => {
  it('shows every diff line, escaped, with no truncation note', () => {
    const diff = `--- a\n+++ b\n${Array.from({ length: 900 }, (_, i) => `+line ${i}`).join('\n')}\n+\`\`\`\n+</details> @octocat\n`;
    const target = app({
      name: 'we`b',
      namespace: 'argo<cd>',
      resources: [resource({ diff, name: '@admin' })],
    });
    const markdown = renderAppDiffMarkdown(planOf([target]), target);

    expect(markdown.split('\n', 1)[0]).toBe('### Mergeplane diff: argo&lt;cd&gt;/we&#96;b');
    expect(markdown).toContain('+line 899');
    expect(markdown).not.toContain('truncated');
    // The diff's own ``` and </details> stay inside a longer fence.
    expect(markdown).toContain('````diff\n--- a');
    expect(fencesBalanced(markdown)).toBe(true);
    expect(markdown).toContain('**update** `apps/Deployment web/@admin`');
  });

  it('splits a diff larger than a comment into parts that each keep their code block', () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `+  key-${i}: ${'v'.repeat(30)}`);
    const diff = `--- base\n+++ head\n@@ -0,0 +1,4000 @@\n${lines.join('\n')}\n`;
    const target = app({ resources: [resource({ diff }), resource({ name: 'second', diff })] });
    const markdown = renderAppDiffMarkdown(planOf([target]), target);
    expect(markdown.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 2);

    const parts = splitComment(markdown, { header: (i, n) => `<!-- marker ${i}/${n} -->` });
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(fencesBalanced(part.body)).toBe(true);
    }
    const shown = parts.map((p) => p.body).join('\n');
    for (const i of [0, 1999, 3999]) expect(shown).toContain(`key-${i}: `);
  });
});
