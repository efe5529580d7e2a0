import { describe, expect, it } from 'vitest';
import { summarizeReport } from '../../src/report/summarize-report.ts';
import { app, resource } from './report-fixtures.ts';

describe('summarizeReport', () => {
  it('counts every status and action, with zeros for the missing ones', () => {
    expect(summarizeReport([])).toEqual({
      apps: { changed: 0, added: 0, removed: 0, renamed: 0, unchanged: 0, error: 0 },
      resources: { create: 0, update: 0, delete: 0 },
    });
  });

  it('counts apps per status and resources per action', () => {
    const summary = summarizeReport([
      app({ name: 'a', resources: [resource({ action: 'update' }), resource({ action: 'create' })] }),
      app({ name: 'b', status: 'added', resources: [resource({ action: 'create' })] }),
      app({ name: 'c', status: 'removed', resources: [resource({ action: 'delete' })] }),
      app({ name: 'd', status: 'error', error: 'boom', resources: [] }),
      app({ name: 'e', status: 'unchanged', resources: undefined }),
      // Resources on an unchanged app are not part of the plan.
      app({ name: 'f', status: 'unchanged', resources: [resource({ action: 'delete' })] }),
    ]);
    expect(summary).toEqual({
      apps: { changed: 1, added: 1, removed: 1, renamed: 0, unchanged: 2, error: 1 },
      resources: { create: 2, update: 1, delete: 1 },
    });
  });
});
