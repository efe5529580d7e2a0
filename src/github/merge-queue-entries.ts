import type { Octokit } from '@octokit/rest';

/**
 * A merge queue entry's branch: `gh-readonly-queue/BASE/pr-N-PARENT`, where PARENT is the commit the entry was
 * built on (the base branch, or the entry ahead of it in the queue).
 */
const QUEUE_REF =
  /^(?:refs\/heads\/)?gh-readonly-queue\/(.+)\/pr-([1-9][0-9]{0,9})-([0-9a-f]{40}|[0-9a-f]{64})$/;

/** Entries a merge group may hold: GitHub's largest group size is 100. */
const MAX_ENTRIES = 100;

export interface QueueEntryRef {
  /** The target branch. */
  base: string;
  pullNumber: number;
  /** The commit this entry was built on. */
  parentSha: string;
}

/** One pull request of a merge group: its entry's commit and the commit that entry was built on. */
export interface QueueEntry extends QueueEntryRef {
  sha: string;
}

export function parseQueueRef(ref: string): QueueEntryRef | undefined {
  const match = QUEUE_REF.exec(ref);
  if (!match) return undefined;
  return { base: match[1]!, pullNumber: Number(match[2]), parentSha: match[3]! };
}

export interface MergeGroupEntries {
  /** From the group's own entry back towards the base: the last one queued first. */
  entries: QueueEntry[];
  /** Why the chain stops before the base commit (a branch already gone, an unexpected name), if it does. */
  incomplete?: string;
}

/**
 * The pull requests of a merge group, from the entry branches the queue keeps: the group's head entry names its
 * pull request and parent; each parent that is not the base commit is the commit of the entry ahead of it.
 * Entry branches can be made by anyone with write access, so a caller must confirm each entry's change before it
 * relies on the pull request it names.
 */
export async function mergeGroupEntries(
  octokit: Octokit,
  group: { owner: string; repo: string; headRef: string; headSha: string; baseSha: string },
): Promise<MergeGroupEntries> {
  const head = parseQueueRef(group.headRef);
  if (!head) return { entries: [], incomplete: `${group.headRef} is not a merge queue branch` };
  const entries: QueueEntry[] = [{ ...head, sha: group.headSha }];
  if (head.parentSha === group.baseSha) return { entries };
  // The answer carries a Link header when GitHub pages it: follow it.
  const refs = await octokit.paginate(octokit.rest.git.listMatchingRefs, {
    owner: group.owner,
    repo: group.repo,
    ref: `heads/gh-readonly-queue/${head.base}/`,
  });
  const bySha = new Map<string, QueueEntry[]>();
  for (const ref of refs) {
    const parsed = parseQueueRef(ref.ref);
    if (!parsed || parsed.base !== head.base) continue;
    const found = bySha.get(ref.object.sha) ?? [];
    found.push({ ...parsed, sha: ref.object.sha });
    bySha.set(ref.object.sha, found);
  }
  let parent = head.parentSha;
  while (parent !== group.baseSha) {
    const candidates = bySha.get(parent) ?? [];
    if (candidates.length !== 1) {
      const why = candidates.length === 0 ? 'has no entry branch' : 'has several entry branches';
      return { entries, incomplete: `the queue entry at ${parent.slice(0, 7)} ${why}` };
    }
    if (entries.length >= MAX_ENTRIES) return { entries, incomplete: `more than ${MAX_ENTRIES} entries` };
    const entry = candidates[0]!;
    if (entries.some((e) => e.sha === entry.sha))
      return { entries, incomplete: 'the entry branches form a cycle' };
    entries.push(entry);
    parent = entry.parentSha;
  }
  return { entries };
}
