import type { AppReport, PlanSummary, ResourceAction, ResourceChange } from '../model/plan-report.ts';

/** Counts per app status and per resource action; unchanged apps contribute no resources. */
export function summarizeReport(apps: readonly AppReport[]): PlanSummary {
  const summary: PlanSummary = {
    apps: { changed: 0, added: 0, removed: 0, renamed: 0, unchanged: 0, error: 0 },
    resources: { create: 0, update: 0, delete: 0 },
  };
  for (const app of apps) {
    summary.apps[app.status] += 1;
    if (app.status === 'unchanged') continue;
    for (const resource of app.resources ?? []) summary.resources[resource.action] += 1;
  }
  return summary;
}

/** How many of an app's resources are created, updated and deleted. */
export function countActions(
  resources: readonly ResourceChange[] | undefined,
): Record<ResourceAction, number> {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const resource of resources ?? []) counts[resource.action] += 1;
  return counts;
}
