import type { AppReport } from '../model/plan-report.ts';

/** An app the comment and check run list: anything but `unchanged`, and an unchanged app whose file moved. */
export function isShownApp(app: AppReport): boolean {
  return app.status !== 'unchanged' || app.movedFrom !== undefined;
}
