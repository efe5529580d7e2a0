import type { ResourceChange, ResourceRef } from '../model/plan-report.ts';
import { codeSpan, escapeInline } from './escape-markdown.ts';

/** The line above a resource's diff: its action in bold, then `group/Kind namespace/name` as code. */
export function resourceTitle(resource: ResourceChange): string {
  const kind = resource.group ? `${resource.group}/${resource.kind}` : resource.kind;
  const name = resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
  const hook = resource.hook ? ` · ${escapeInline(resource.hook)} hook` : '';
  const paired = resource.pairedWith;
  const replaces =
    paired && resource.action === 'create'
      ? ` · replaces ${codeSpan(refText(paired))} (${paired.similarity}% similar; Argo CD deletes it and creates this one)`
      : '';
  return `**${resource.action}** ${codeSpan(`${kind} ${name}`)}${hook}${replaces}`;
}

function refText(ref: ResourceRef): string {
  const kind = ref.group ? `${ref.group}/${ref.kind}` : ref.kind;
  return `${kind} ${ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name}`;
}

/** A delete shown through the create it pairs with (its diff is that create's). */
export function isShownByItsPair(resource: ResourceChange): boolean {
  return resource.action === 'delete' && resource.pairedWith !== undefined;
}
