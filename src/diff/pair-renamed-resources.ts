import type { ResourceChange, ResourceRef } from '../model/plan-report.ts';
import { sideLabel, unifiedDiff } from './unified-diff.ts';

/**
 * A new name must keep 90% of the content: objects stamped from one template (two Applications, two ConfigMaps of
 * sibling apps) are often 80% alike and are not one object renamed.
 */
export const RENAME_SIMILARITY = 0.9;
/** The same name under another kind (a Deployment turned StatefulSet) needs half, git's rename threshold. */
export const KIND_CHANGE_SIMILARITY = 0.5;

const MAX_SCORED_PAIRS = 40_000;

export interface SideText {
  change: ResourceChange;
  /** The normalized, redacted YAML of the object on its side (base for deletes, head for creates). */
  text: string;
}

/** Lines that say what the object is called, not what it holds: left out of the comparison. */
const IDENTITY_LINE = /^(apiVersion|kind):|^ {2}name:/;

function contentLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '' && !IDENTITY_LINE.test(line));
}

/**
 * Similarity of two objects' YAML as git scores renames: twice the lines they share (as a multiset) over the
 * lines of both, ignoring apiVersion, kind and metadata.name — so a renamed ConfigMap with the same data is 1.0
 * and a Deployment turned into a StatefulSet keeps most of its pod template.
 */
export function similarity(a: string, b: string): number {
  const left = contentLines(a);
  const right = contentLines(b);
  if (left.length + right.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const line of left) counts.set(line, (counts.get(line) ?? 0) + 1);
  let shared = 0;
  for (const line of right) {
    const n = counts.get(line) ?? 0;
    if (n > 0) {
      shared += 1;
      counts.set(line, n - 1);
    }
  }
  return (2 * shared) / (left.length + right.length);
}

const refOf = (c: ResourceChange): ResourceRef => ({
  group: c.group,
  kind: c.kind,
  namespace: c.namespace,
  name: c.name,
});

/**
 * Pairs deleted and created objects of one app that are the same object renamed or re-kinded: each delete with
 * the most similar create at or above the threshold (RENAME_SIMILARITY for a new name, KIND_CHANGE_SIMILARITY
 * for the same name under another kind), best pairs first, each object in one pair at most.
 * Argo CD still deletes the old object and creates the new one, so both changes stay (counts and the destructive
 * gate see the delete); the create carries the diff from the old object and `pairedWith`, the delete only its link.
 */
export function pairRenamedResources(
  deletes: readonly SideText[],
  creates: readonly SideText[],
  context: number,
): void {
  const candidates: { d: SideText; c: SideText; score: number }[] = [];
  // Every pair is scored in an ordinary app; a mass delete-and-create only scores objects sharing a kind or name.
  const everyPair = deletes.length * creates.length <= MAX_SCORED_PAIRS;
  for (const d of deletes) {
    for (const c of creates) {
      if (d.change.hook !== c.change.hook) continue;
      if (!everyPair && d.change.kind !== c.change.kind && d.change.name !== c.change.name) continue;
      const score = similarity(d.text, c.text);
      const sameName = d.change.name === c.change.name && d.change.namespace === c.change.namespace;
      if (score >= (sameName ? KIND_CHANGE_SIMILARITY : RENAME_SIMILARITY)) candidates.push({ d, c, score });
    }
  }
  candidates.sort((x, y) => y.score - x.score);
  const used = new Set<SideText>();
  for (const { d, c, score } of candidates) {
    if (used.has(d) || used.has(c)) continue;
    used.add(d);
    used.add(c);
    const percent = Math.floor(score * 100);
    c.change.pairedWith = { ...refOf(d.change), similarity: percent };
    c.change.diff = unifiedDiff(
      sideLabel('base', d.change),
      sideLabel('head', c.change),
      d.text,
      c.text,
      context,
    );
    d.change.pairedWith = { ...refOf(c.change), similarity: percent };
  }
}
