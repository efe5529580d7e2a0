import type { AppReport, AppStatus } from '../model/plan-report.ts';

/** How report facts read in the comment, the check run and the CLI: plurals, status labels, which apps show. */

/** `1 app`, `2 apps`. */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** How an app's status reads in the comment, the check run and `diff` comments. */
export const STATUS_LABEL: Readonly<Record<AppStatus, string>> = {
  error: '❌ error',
  added: '➕ added',
  removed: '➖ removed',
  renamed: '🔀 renamed',
  changed: '✏️ changed',
  unchanged: 'unchanged',
};

/** An app the comment and check run list: anything but `unchanged`, and an unchanged app whose file moved. */
export function isShownApp(app: AppReport): boolean {
  return app.status !== 'unchanged' || app.movedFrom !== undefined;
}
