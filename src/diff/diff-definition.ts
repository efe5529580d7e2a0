import { sideLabel, toYaml, unifiedDiff } from './unified-diff.ts';

/**
 * The unified diff of an Application's own definition between two revisions (`/dev/null` on the side where it
 * does not exist); undefined when both are equal. Shown beside the rendered diff, so a change of the app's chart
 * version, destination or sync policy is visible even when nothing renders differently.
 */
export function diffDefinition(
  name: string,
  base: Record<string, unknown> | undefined,
  head: Record<string, unknown> | undefined,
  contextLines: number,
): string | undefined {
  const oldText = toYaml(base);
  const newText = toYaml(head);
  if (oldText === newText) return undefined;
  const application = { kind: 'Application', name };
  return unifiedDiff(
    sideLabel('base', base && application),
    sideLabel('head', head && application),
    oldText,
    newText,
    contextLines,
  );
}

/** Lines added and removed by unified diffs (file headers excluded). */
export function countDiffLines(diffs: readonly string[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const diff of diffs) {
    for (const line of diff.split('\n')) {
      if (line.startsWith('+++ ') || line.startsWith('--- ')) continue;
      if (line.startsWith('+')) added += 1;
      else if (line.startsWith('-')) removed += 1;
    }
  }
  return { added, removed };
}
