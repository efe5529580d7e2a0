import { describe, expect, it } from 'vitest';
import type { ClaimReport } from '../../src/model/plan-report.ts';
import { buildReport } from '../../src/report/build-report.ts';
import { app, BASE, gate, HEAD, resource } from './report-fixtures.ts';

function claim(overrides: Partial<ClaimReport>): ClaimReport {
  return {
    apiVersion: 'platform.example.org/v1alpha1',
    kind: 'PostgresInstance',
    namespace: 'team-a',
    name: 'db',
    action: 'create',
    composed: [],
    destructive: false,
    ...overrides,
  };
}

describe('buildReport', () => {
  it('is version 1 with base, head, gates and an empty claims list by default', () => {
    const gates = [gate({ id: 'config' }), gate({ id: 'render' })];
    const report = buildReport({ base: BASE, head: HEAD, apps: [], gates });
    expect(report).toEqual({
      version: 1,
      base: BASE,
      head: HEAD,
      summary: {
        apps: { changed: 0, added: 0, removed: 0, renamed: 0, unchanged: 0, error: 0 },
        resources: { create: 0, update: 0, delete: 0 },
      },
      apps: [],
      claims: [],
      gates,
    });
  });

  it('sorts apps by namespace, then name', () => {
    const report = buildReport({
      base: BASE,
      head: HEAD,
      apps: [
        app({ namespace: 'argocd', name: 'zeta' }),
        app({ namespace: 'team-b', name: 'alpha' }),
        app({ namespace: 'argocd', name: 'Beta', status: 'error', error: 'x' }),
        app({ namespace: 'argocd', name: 'alpha' }),
      ],
      gates: [],
    });
    expect(report.apps.map((a) => `${a.namespace}/${a.name}`)).toEqual([
      'argocd/Beta',
      'argocd/alpha',
      'argocd/zeta',
      'team-b/alpha',
    ]);
  });

  it('strips resources from unchanged apps only, without touching the input', () => {
    const unchanged = app({ name: 'same', status: 'unchanged', resources: [] });
    const report = buildReport({
      base: BASE,
      head: HEAD,
      apps: [unchanged, app({ name: 'diff', resources: [resource({ action: 'create' })] })],
      gates: [],
    });
    expect(report.apps.find((a) => a.name === 'same')).not.toHaveProperty('resources');
    expect(report.apps.find((a) => a.name === 'diff')?.resources).toHaveLength(1);
    expect(unchanged.resources).toEqual([]);
    expect(report.summary.apps).toEqual({
      changed: 1,
      added: 0,
      removed: 0,
      renamed: 0,
      unchanged: 1,
      error: 0,
    });
    expect(report.summary.resources).toEqual({ create: 1, update: 0, delete: 0 });
  });

  it('sorts claims and keeps gates in evaluation order', () => {
    const report = buildReport({
      base: BASE,
      head: HEAD,
      apps: [],
      claims: [claim({ name: 'z' }), claim({ namespace: 'a-team', name: 'y' }), claim({ name: 'b' })],
      gates: [gate({ id: 'render' }), gate({ id: 'config' })],
    });
    expect(report.claims.map((c) => `${c.namespace}/${c.name}`)).toEqual([
      'a-team/y',
      'team-a/b',
      'team-a/z',
    ]);
    expect(report.gates.map((g) => g.id)).toEqual(['render', 'config']);
  });
});
