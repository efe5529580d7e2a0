import type { AppReport, GateResult, PlanReport, ResourceChange } from '../../src/model/plan-report.ts';
import { summarizeReport } from '../../src/report/summarize-report.ts';

export const BASE = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const HEAD = '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

export function resource(overrides: Partial<ResourceChange> = {}): ResourceChange {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'web',
    name: 'frontend',
    action: 'update',
    diff: '--- base/Deployment/web/frontend\n+++ head/Deployment/web/frontend\n@@ -1,1 +1,1 @@\n-  replicas: 1\n+  replicas: 2\n',
    ...overrides,
  };
}

export function app(overrides: Partial<AppReport> = {}): AppReport {
  return {
    name: 'frontend',
    namespace: 'argocd',
    project: 'default',
    origin: 'apps/frontend.yaml',
    destination: { name: 'in-cluster', namespace: 'web' },
    sourceType: 'kustomize',
    status: 'changed',
    resources: [resource()],
    ...overrides,
  };
}

export function gate(overrides: Partial<GateResult> = {}): GateResult {
  return { id: 'render', status: 'pass', message: 'every affected application rendered', ...overrides };
}

/** A plan report of BASE..HEAD with one passing gate and no claims; the summary matches `overrides.apps`. */
export function planReport(overrides: Partial<PlanReport> = {}): PlanReport {
  const apps = overrides.apps ?? [];
  return {
    version: 1,
    base: BASE,
    head: HEAD,
    summary: summarizeReport(apps),
    apps,
    claims: [],
    gates: [gate()],
    ...overrides,
  };
}
