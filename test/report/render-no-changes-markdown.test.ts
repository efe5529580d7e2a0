import { describe, expect, it } from 'vitest';
import { isNoChangesReport, renderNoChangesMarkdown } from '../../src/report/render-no-changes-markdown.ts';
import { app, gate, planReport } from './report-fixtures.ts';

describe('no-changes comment', () => {
  it('is one line for a change that affects nothing', () => {
    const plan = planReport({
      apps: [app({ status: 'unchanged' }), app({ name: 'b', status: 'unchanged' })],
    });
    expect(isNoChangesReport(plan)).toBe(true);
    expect(renderNoChangesMarkdown(plan)).toBe(
      '**Mergeplane**: no affected applications at `2222222`; 2 unchanged applications not rendered.\n',
    );
  });

  it('appends notes as quotes', () => {
    expect(renderNoChangesMarkdown(planReport(), ['changes take effect\nafter merge'])).toBe(
      '**Mergeplane**: no affected applications at `2222222`.\n\n> changes take effect after merge\n',
    );
  });

  it.each([
    { case: 'a changed app', plan: () => planReport({ apps: [app()] }) },
    {
      case: 'a failing gate (invalid config)',
      plan: () => planReport({ gates: [gate({ id: 'config', status: 'fail' })] }),
    },
    {
      case: 'a gate awaiting approval',
      plan: () => planReport({ gates: [gate({ status: 'needs-approval' })] }),
    },
    {
      case: 'a changed claim',
      plan: () =>
        planReport({
          claims: [
            {
              apiVersion: 'x/v1',
              kind: 'DB',
              namespace: 'n',
              name: 'd',
              action: 'create',
              composed: [],
              destructive: false,
            },
          ],
        }),
    },
  ])('does not apply to $case', ({ plan }) => {
    expect(isNoChangesReport(plan())).toBe(false);
  });
});
