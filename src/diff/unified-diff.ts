import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { stringify } from 'yaml';

/** YAML with sorted keys and no line folding, so a diff line is a field and equal objects render equally. */
export function toYaml(value: Record<string, unknown> | undefined): string {
  if (value === undefined) return '';
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}

/** The header of one side of a diff: `base/Kind/namespace/name` (`/dev/null` when the object is absent there). */
export function sideLabel(
  side: 'base' | 'head',
  object: { kind: string; namespace?: string; name: string } | undefined,
): string {
  if (object === undefined) return '/dev/null';
  return [side, object.kind, ...(object.namespace ? [object.namespace] : []), object.name].join('/');
}

/** A unified diff with file headers only and `context` lines around each change. */
export function unifiedDiff(
  from: string,
  to: string,
  oldText: string,
  newText: string,
  context: number,
): string {
  return createTwoFilesPatch(from, to, oldText, newText, undefined, undefined, {
    context: Math.max(0, Math.floor(context)),
    headerOptions: FILE_HEADERS_ONLY,
  });
}
