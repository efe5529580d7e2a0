import { codeSpan, escapeInline } from './escape-markdown.ts';
import type { ResourceChange } from './plan-report.ts';

/** The line above a resource's diff: its action in bold, then `group/Kind namespace/name` as code. */
export function resourceTitle(resource: ResourceChange): string {
  const kind = resource.group ? `${resource.group}/${resource.kind}` : resource.kind;
  const name = resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
  const hook = resource.hook ? ` · ${escapeInline(resource.hook)} hook` : '';
  return `**${resource.action}** ${codeSpan(`${kind} ${name}`)}${hook}`;
}
