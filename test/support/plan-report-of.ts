import type { AppReport, PlanReport } from '../../src/model/plan-report.ts';

/** A plan report of these apps alone (no claims, no gates, an empty summary): what live views are attached to. */
export function planReportOf(apps: AppReport[]): PlanReport {
  return {
    version: 1,
    base: 'a'.repeat(40),
    head: 'b'.repeat(40),
    summary: {
      apps: {} as PlanReport['summary']['apps'],
      resources: {} as PlanReport['summary']['resources'],
    },
    apps,
    claims: [],
    gates: [],
  };
}
