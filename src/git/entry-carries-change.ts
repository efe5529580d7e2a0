import type { CommitTrees } from './git-objects.ts';
import { type GitRepository, git } from './git-repository.ts';

const SHA = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

/**
 * Whether the commit `entry.sha`, built on `entry.parentSha`, makes exactly the change of a pull request whose head
 * is `pullHead`: the same files changed (since the pull request's merge base with the parent), each to the same
 * content. Undefined when it does; else why not. A pull request that touches a file an entry ahead of it also
 * touched is not confirmed (its file then differs from the pull request's): the group changes more than it did.
 */
export async function entryCarriesChange(
  repo: GitRepository,
  trees: CommitTrees,
  entry: { sha: string; parentSha: string },
  pullHead: string,
): Promise<string | undefined> {
  // The parent an entry branch names is only a name (anyone with write access can make such a branch): the entry
  // must really be built on it.
  if (
    !SHA.test(entry.sha) ||
    (await git(repo.dir, ['rev-parse', '--verify', `${entry.sha}^1`])).trim() !== entry.parentSha
  ) {
    return 'the entry is not built on the commit its branch names';
  }
  const mergeBase = await repo.mergeBase(pullHead, entry.parentSha);
  if (mergeBase === undefined) return 'it shares no history with the group';
  const [entryFiles, pullFiles] = await Promise.all([
    repo.changedFiles(entry.parentSha, entry.sha),
    repo.changedFiles(mergeBase, pullHead),
  ]);
  if (entryFiles.join('\0') !== pullFiles.join('\0')) {
    return "the group's entry changes other files than the pull request";
  }
  const [entryTree, pullTree] = await Promise.all([trees.tree(entry.sha), trees.tree(pullHead)]);
  const same = (file: string) => {
    const [a, b] = [entryTree.entry(file), pullTree.entry(file)];
    return a?.id === b?.id && a?.kind === b?.kind && a?.executable === b?.executable;
  };
  const differing = entryFiles.find((file) => !same(file));
  return differing === undefined ? undefined : `${differing} is not as the pull request leaves it`;
}
