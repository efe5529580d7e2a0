import type { PlanReport } from '../model/plan-report.ts';
import { shortRevision } from '../model/text.ts';
import { codeSpan } from './escape-markdown.ts';
import { isShownApp } from './labels.ts';
import { type CheckRunRef, checkRunLink } from './render-markdown.ts';

/** Nothing to show: no application or claim is affected and no gate is open. */
export function isNoChangesReport(report: PlanReport): boolean {
  return (
    !report.apps.some(isShownApp) &&
    report.claims.every((claim) => claim.action === 'unchanged') &&
    report.gates.every((gate) => gate.status === 'pass')
  );
}

/**
 * The one-line plan comment for a change that affects nothing (`comment.onNoChanges: comment`), followed
 * by Mergeplane's own notes, if any.
 */
export function renderNoChangesMarkdown(
  report: PlanReport,
  notes: readonly string[] = [],
  checkRun?: CheckRunRef,
): string {
  const head = shortRevision(report.head);
  const unchanged = report.apps.length;
  const count =
    unchanged === 0 ? '' : `; ${unchanged} unchanged application${unchanged === 1 ? '' : 's'} not rendered`;
  const check = checkRun === undefined ? '' : ` (${checkRunLink(checkRun)})`;
  const edited = report.apps.filter((app) => app.fileChanged).length;
  // An edited Application file is never passed over in silence, even when it changes nothing.
  const files =
    edited === 0
      ? ''
      : ` ${edited} Application file${edited === 1 ? ' was' : 's were'} edited without changing ${edited === 1 ? 'its definition' : 'their definitions'} (comments or formatting).`;
  const line = `**Mergeplane**: no affected applications at ${codeSpan(head)}${count}${check}.${files}`;
  return `${[line, ...notes.map((note) => `> ${note.replace(/\r?\n/g, ' ')}`)].join('\n\n')}\n`;
}
