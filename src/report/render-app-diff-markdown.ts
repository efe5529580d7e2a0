import { codeFence, codeSpan, escapeInline } from './escape-markdown.ts';
import type { AppReport, PlanReport, ResourceChange } from './plan-report.ts';

const STATUS_TEXT: Record<AppReport['status'], string> = {
  error: '❌ error',
  added: '➕ added',
  removed: '➖ removed',
  changed: '✏️ changed',
  unchanged: 'unchanged',
};

function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(revision) ? revision.slice(0, 7) : revision;
}

function resourceTitle(resource: ResourceChange): string {
  const kind = resource.group ? `${resource.group}/${resource.kind}` : resource.kind;
  const name = resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
  return `**${resource.action}** ${codeSpan(`${kind} ${name}`)}`;
}

/**
 * The complete diff of one application for `/mergeplane diff APP`: every changed resource with its whole
 * unified diff, nothing truncated (the comment is split into parts instead). Repository text is escaped as
 * in the plan comment; each diff is a fence longer than any backtick run inside it.
 */
export function renderAppDiffMarkdown(report: PlanReport, app: AppReport): string {
  const label = `${app.namespace}/${app.name}`;
  const resources = app.resources ?? [];
  const counts = { create: 0, update: 0, delete: 0 };
  for (const resource of resources) counts[resource.action] += 1;
  const blocks = [
    `### Mergeplane diff: ${escapeInline(label)}`,
    `${codeSpan(shortRevision(report.base))} → ${codeSpan(shortRevision(report.head))} · ${STATUS_TEXT[app.status]} · ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete`,
  ];
  if (app.error !== undefined) blocks.push('**Error**', codeFence(app.error, 'text'));
  if (resources.length === 0) blocks.push('No resource changes.');
  for (const resource of resources) {
    blocks.push(resourceTitle(resource), codeFence(resource.diff.replace(/\r\n?/g, '\n'), 'diff'));
  }
  return `${blocks.join('\n\n')}\n`;
}
