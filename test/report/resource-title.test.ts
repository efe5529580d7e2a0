import { describe, expect, it } from 'vitest';
import { resourceTitle } from '../../src/report/resource-title.ts';
import { resource } from './report-fixtures.ts';

describe('resourceTitle', () => {
  it('names an ordinary resource by action, group/kind and namespace/name', () => {
    expect(resourceTitle(resource())).toBe('**update** `apps/Deployment web/frontend`');
  });

  it('says when Argo CD runs the resource as a hook, escaped', () => {
    expect(resourceTitle(resource({ kind: 'Job', group: 'batch', hook: 'PreSync' }))).toBe(
      '**update** `batch/Job web/frontend` · PreSync hook',
    );
    expect(resourceTitle(resource({ hook: '<b>@team</b>' }))).not.toContain('<b>');
  });
});
