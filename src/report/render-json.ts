import type { PlanReport } from '../model/plan-report.ts';

/** The JSON report: object keys sorted at every depth so equal reports are byte-identical and diffable. */
export function renderJson(report: PlanReport): string {
  const text = JSON.stringify(
    report,
    (_key, value: unknown) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
      const sorted: Record<string, unknown> = {};
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record).sort()) sorted[key] = record[key];
      return sorted;
    },
    2,
  );
  return `${text}\n`;
}
