import { countDiffLines, diffDefinition } from '../diff/diff-definition.ts';
import type { AppReport, ResourceChange } from '../model/plan-report.ts';

/** A resource as rendered on its one side: its identity and its YAML (the diff body without the +/- column). */
function signature(resource: ResourceChange): string {
  const body = resource.diff
    .split('\n')
    .filter((line) => /^[-+]/.test(line) && !line.startsWith('+++ ') && !line.startsWith('--- '))
    .map((line) => line.slice(1))
    .join('\n');
  return `${resource.group}/${resource.kind}/${resource.namespace}/${resource.name}\n${body}`;
}

function fingerprint(app: AppReport): string | undefined {
  const resources = app.resources ?? [];
  if (resources.length === 0) return undefined;
  return resources.map(signature).sort().join('\n\0\n');
}

const CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

function cascades(manifest: Record<string, unknown> | undefined): boolean {
  const metadata = manifest?.metadata;
  const finalizers =
    typeof metadata === 'object' && metadata !== null
      ? (metadata as { finalizers?: unknown }).finalizers
      : undefined;
  return (
    Array.isArray(finalizers) &&
    finalizers.some((f) => typeof f === 'string' && f.startsWith(CASCADE_FINALIZER))
  );
}

/**
 * Pairs a removed app with an added one whose rendered resources are exactly the same: the Application was
 * renamed. The pair becomes one `renamed` report under the new name (`renamedFrom`, the definition diff, no
 * resource changes). Only unambiguous pairs: one removed and one added app with that output, and only when the
 * old Application has no resources finalizer (Argo CD would then delete the resources, not hand them over).
 */
export function pairRenamedApps(
  apps: readonly AppReport[],
  manifests: {
    base(app: AppReport): Record<string, unknown> | undefined;
    head(app: AppReport): Record<string, unknown> | undefined;
  },
  contextLines: number,
): AppReport[] {
  const byPrint = (status: AppReport['status']) => {
    const groups = new Map<string, AppReport[]>();
    for (const app of apps) {
      if (app.status !== status) continue;
      const print = fingerprint(app);
      if (print !== undefined) groups.set(print, [...(groups.get(print) ?? []), app]);
    }
    return groups;
  };
  const removed = byPrint('removed');
  const added = byPrint('added');
  const replaced = new Map<AppReport, AppReport | null>();
  for (const [print, [gone, ...moreGone]] of removed) {
    const [fresh, ...moreFresh] = added.get(print) ?? [];
    if (!gone || !fresh || moreGone.length > 0 || moreFresh.length > 0) continue;
    // With the resources finalizer, deleting the old Application deletes its resources before the new one
    // recreates them: that is what removed + added says, so it stays that way.
    if (cascades(manifests.base(gone))) continue;
    const definition = diffDefinition(fresh.name, manifests.base(gone), manifests.head(fresh), contextLines);
    const renamed: AppReport = {
      ...fresh,
      status: 'renamed',
      renamedFrom: gone.name,
      resources: [],
      lines: countDiffLines([]),
    };
    if (definition !== undefined) renamed.definition = definition;
    else delete renamed.definition;
    delete renamed.notApplied;
    replaced.set(fresh, renamed);
    replaced.set(gone, null);
  }
  return apps.flatMap((app) => {
    const replacement = replaced.get(app);
    if (replacement === undefined) return [app];
    return replacement === null ? [] : [replacement];
  });
}
