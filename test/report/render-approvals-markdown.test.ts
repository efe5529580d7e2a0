import { describe, expect, it } from 'vitest';
import { renderApprovalsMarkdown } from '../../src/report/render-approvals-markdown.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { app, gate, HEAD, planReport } from './report-fixtures.ts';

const OLD = 'c'.repeat(40);

describe('approvals in the plan comment', () => {
  const view = {
    decision: {
      accepted: [
        { user: 'bob', sha: HEAD, at: 't', reason: 'ok ``` </details> @org/team <img src=x> [x](y)' },
      ],
      rejected: [
        { approval: { user: 'alice', sha: HEAD, at: 't' }, reason: 'author' as const },
        {
          approval: { user: 'carol', sha: OLD, at: 't', reason: 'earlier' },
          reason: 'earlier-commit' as const,
        },
        { approval: { user: 'dave', sha: HEAD, at: 't' }, reason: 'not-an-approver' as const },
      ],
    },
    approved: [
      gate({ id: 'destructive', message: 'approved by @bob: ok — deletes Namespace `x`', app: 'infra' }),
    ],
  };

  it('lists who approved, whose approval did not count and why, and what passed; user text escaped', () => {
    expect(renderApprovalsMarkdown(view)).toMatchInlineSnapshot(`
      "#### Approvals

      - ✅ approved by @​bob for \`2222222\`: ok &#96;&#96;&#96; &lt;/details&gt; @​org/team &lt;img src=x&gt; &#91;x&#93;(y)
      - 🚫 not accepted: @​alice for \`2222222\` — the author of the pull request cannot approve their own change (\`approval.allowAuthorSelfApproval\` is off)
      - 🚫 not accepted: @​carol for \`ccccccc\`: earlier — it approved an earlier commit, and new commits dismiss approvals (\`approval.dismissOnNewCommits\`)
      - 🚫 not accepted: @​dave for \`2222222\` — not listed in \`approval.users\` or \`approval.teams\`
      - ☑️ **destructive**: approved by @​bob: ok — deletes Namespace &#96;x&#96; · app **infra**"
    `);
  });

  it('renders nothing without approvals', () => {
    expect(renderApprovalsMarkdown(undefined)).toBe('');
    expect(renderApprovalsMarkdown({ decision: { accepted: [], rejected: [] }, approved: [] })).toBe('');
  });

  it('shows notes under the heading and approvals after the gates; without them the output is unchanged', () => {
    const plan = planReport({ apps: [app()] });
    const plain = renderMarkdown(plan);
    expect(
      renderMarkdown(plan, {
        notes: [],
        approvals: { decision: { accepted: [], rejected: [] }, approved: [] },
      }),
    ).toBe(plain);
    const withBoth = renderMarkdown(plan, { notes: ['Config note.'], approvals: view });
    expect(withBoth).toContain('`2222222`\n\n> Config note.\n\n#### Approvals');
    expect(
      withBoth.replace('> Config note.\n\n', '').replace(`${renderApprovalsMarkdown(view)}\n\n`, ''),
    ).toBe(plain);
  });
});
