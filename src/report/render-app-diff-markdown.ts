import type { AppReport, PlanReport } from '../model/plan-report.ts';
import { shortRevision } from '../model/text.ts';
import { codeFence, codeSpan, escapeInline } from './escape-markdown.ts';
import { STATUS_LABEL } from './labels.ts';
import { isShownByItsPair, resourceTitle } from './resource-title.ts';
import { countActions } from './summarize-report.ts';

/**
 * The complete diff of one application for `/mergeplane diff APP`: every changed resource with its whole
 * unified diff, nothing truncated (the comment is split into parts instead). Repository text is escaped as
 * in the plan comment; each diff is a fence longer than any backtick run inside it.
 */
export function renderAppDiffMarkdown(report: PlanReport, app: AppReport): string {
  const label = `${app.namespace}/${app.name}`;
  const resources = app.resources ?? [];
  const counts = countActions(resources);
  const blocks = [
    `### Mergeplane diff: ${escapeInline(label)}`,
    `${codeSpan(shortRevision(report.base))} → ${codeSpan(shortRevision(report.head))} · ${STATUS_LABEL[app.status]} · ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete`,
  ];
  if (app.error !== undefined) blocks.push('**Error**', codeFence(app.error, 'text'));
  if (resources.length === 0) blocks.push('No resource changes.');
  if (app.definition !== undefined) {
    blocks.push('**Application definition**', codeFence(app.definition.replace(/\r\n?/g, '\n'), 'diff'));
  }
  for (const resource of resources) {
    if (isShownByItsPair(resource)) continue;
    blocks.push(resourceTitle(resource), codeFence(resource.diff.replace(/\r\n?/g, '\n'), 'diff'));
  }
  return `${blocks.join('\n\n')}\n`;
}
