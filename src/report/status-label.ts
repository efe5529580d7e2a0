import type { AppStatus } from '../model/plan-report.ts';

/** How an app's status reads in the comment, the check run and `diff` comments. */
export const STATUS_LABEL: Readonly<Record<AppStatus, string>> = {
  error: '❌ error',
  added: '➕ added',
  removed: '➖ removed',
  renamed: '🔀 renamed',
  changed: '✏️ changed',
  unchanged: 'unchanged',
};
