import type { AppReport, ClaimReport, GateResult, PlanReport } from '../model/plan-report.ts';
import { summarizeReport } from './summarize-report.ts';

export interface BuildReportOptions {
  base: string;
  head: string;
  apps: readonly AppReport[];
  claims?: readonly ClaimReport[];
  gates: readonly GateResult[];
}

// Code-unit order, not localeCompare: the same input must sort the same on every machine.
function compareBy<T>(...keys: ((item: T) => string)[]) {
  return (a: T, b: T): number => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

function withoutResources(app: AppReport): AppReport {
  const { resources: _dropped, ...rest } = app;
  return rest;
}

/**
 * The version 1 report: apps sorted by namespace and name, `resources` only on apps that are not
 * unchanged, claims sorted by kind, namespace and name, gates in the order they were evaluated.
 * The inputs are not modified.
 */
export function buildReport(options: BuildReportOptions): PlanReport {
  const apps = options.apps
    .map((app) => (app.status === 'unchanged' ? withoutResources(app) : { ...app }))
    .sort(
      compareBy<AppReport>(
        (a) => a.namespace,
        (a) => a.name,
        (a) => a.origin,
      ),
    );
  const claims = [...(options.claims ?? [])].sort(
    compareBy<ClaimReport>(
      (c) => c.apiVersion,
      (c) => c.kind,
      (c) => c.namespace,
      (c) => c.name,
    ),
  );
  return {
    version: 1,
    base: options.base,
    head: options.head,
    summary: summarizeReport(apps),
    apps,
    claims,
    gates: [...options.gates],
  };
}
