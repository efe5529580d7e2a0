import type { LiveResource, LiveView } from '../model/plan-report.ts';
import { codeSpan, escapeInline } from './escape-markdown.ts';

function where(resource: LiveResource): string {
  return [resource.kind, resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name].join(
    ' ',
  );
}

function count(resources: readonly LiveResource[], action: LiveResource['action']): number {
  return resources.filter((r) => r.action === action).length;
}

/**
 * An app's live comparison in the comment: clearly apart from the base/head diff, what applying the head would do
 * to what the cluster holds now (Argo CD's view), or why it could not be read.
 */
export function liveBlocks(live: LiveView, diffBlock: (diff: string) => string): string[] {
  const title =
    live.source === 'argocd'
      ? '**Live in the cluster** (Argo CD’s view: what applying this head would do now)'
      : `**Live in the cluster** (read from ${live.cluster === undefined ? 'its destination' : codeSpan(live.cluster)}: what applying this new app would do now)`;
  if (live.note !== undefined) return [title, `Not compared: ${escapeInline(live.note)}.`];
  const { resources } = live;
  const parts = [
    `${count(resources, 'identical')} identical`,
    `${count(resources, 'update')} would update`,
    `${count(resources, 'create')} would create`,
    ...(count(resources, 'not-compared') > 0 ? [`${count(resources, 'not-compared')} not compared`] : []),
  ];
  const blocks = [title, `${parts.join(' · ')}.`];
  for (const resource of resources) {
    if (resource.action === 'update' && resource.diff !== undefined) {
      blocks.push(`would update ${codeSpan(where(resource))}`, diffBlock(resource.diff));
    }
  }
  const listed = (action: LiveResource['action'], text: string) => {
    const names = resources.filter((r) => r.action === action).map((r) => codeSpan(where(r)));
    if (names.length > 0) blocks.push(`${text}: ${names.join(', ')}.`);
  };
  listed('create', 'Would create');
  listed('identical', 'Already identical');
  const reasons = new Map<string, string[]>();
  for (const resource of resources) {
    if (resource.action !== 'not-compared') continue;
    const reason = resource.reason ?? 'not compared';
    reasons.set(reason, [...(reasons.get(reason) ?? []), codeSpan(where(resource))]);
  }
  for (const [reason, names] of reasons)
    blocks.push(`Not compared (${escapeInline(reason)}): ${names.join(', ')}.`);
  return blocks;
}
