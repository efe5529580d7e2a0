import { afterEach, describe, expect, it } from 'vitest';
import { entryCarriesChange } from '../../src/git/entry-carries-change.ts';
import { openCommitTrees } from '../../src/git/git-objects.ts';
import { openGitRepository } from '../../src/git/git-repository.ts';
import { PlanCaches } from '../../src/model/plan-caches.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const lines = (n: number, changed: Record<number, string> = {}) =>
  Array.from({ length: n }, (_, i) => changed[i] ?? `line ${i}`).join('\n') + '\n';

/** main with two files; pull requests branch from it; queue entries stack them as GitHub's merge queue does. */
function queueFixture(): {
  repo: GitFixture;
  base: string;
  branch(name: string, files: Record<string, string>): string;
} {
  const repo = createGitFixture();
  cleanups.push(() => repo.cleanup());
  const base = repo.commit({ 'apps/a.yaml': lines(20), 'apps/b.yaml': lines(20) });
  return {
    repo,
    base,
    branch(name, files) {
      repo.git('checkout', '-q', '-b', name, base);
      const head = repo.commit(files, name);
      repo.git('checkout', '-q', 'main');
      return head;
    },
  };
}

/** An entry built on `parent` with the pull request's change: a merge commit, or a squash (one new commit). */
function entry(repo: GitFixture, parent: string, pullHead: string, how: 'merge' | 'squash'): string {
  repo.git('checkout', '-q', '--detach', parent);
  if (how === 'merge') repo.git('merge', '-q', '--no-ff', '-m', 'Merge pull request', pullHead);
  else {
    repo.git('merge', '-q', '--squash', pullHead);
    repo.git('commit', '-q', '-m', 'Squashed pull request');
  }
  const sha = repo.git('rev-parse', 'HEAD');
  repo.git('checkout', '-q', 'main');
  return sha;
}

describe('whether a merge queue entry makes a pull request’s change', () => {
  it('confirms stacked entries of merge commits and squashes, each for its own pull request only', async () => {
    const { repo, base, branch } = queueFixture();
    const first = branch('first', { 'apps/a.yaml': lines(20, { 2: 'first' }) });
    const second = branch('second', { 'apps/b.yaml': lines(20, { 2: 'second' }), 'apps/c.yaml': 'new\n' });
    const git = await openGitRepository(repo.dir);
    const trees = openCommitTrees(repo.dir, new PlanCaches());
    cleanups.push(() => trees.close());
    for (const how of ['merge', 'squash'] as const) {
      const e1 = entry(repo, base, first, how);
      const e2 = entry(repo, e1, second, how);
      expect(await entryCarriesChange(git, trees, { parentSha: base, sha: e1 }, first)).toBeUndefined();
      expect(await entryCarriesChange(git, trees, { parentSha: e1, sha: e2 }, second)).toBeUndefined();
      // An entry named for the wrong pull request (a hand-made queue branch) is not confirmed.
      expect(await entryCarriesChange(git, trees, { parentSha: e1, sha: e2 }, first)).toMatch(/other files/);
      // Nor one whose branch names a parent it is not built on, even one with the same files as its real parent.
      const lookalike = repo.git('commit-tree', `${e1}^{tree}`, '-m', 'not the parent');
      expect(await entryCarriesChange(git, trees, { parentSha: lookalike, sha: e2 }, second)).toBe(
        'the entry is not built on the commit its branch names',
      );
    }
  });

  it('does not confirm a pull request whose file an entry ahead of it also changed', async () => {
    const { repo, base, branch } = queueFixture();
    const first = branch('first', { 'apps/a.yaml': lines(20, { 2: 'first' }) });
    const third = branch('third', { 'apps/a.yaml': lines(20, { 15: 'third' }) });
    const git = await openGitRepository(repo.dir);
    const trees = openCommitTrees(repo.dir, new PlanCaches());
    cleanups.push(() => trees.close());
    const e1 = entry(repo, base, first, 'merge');
    const e3 = entry(repo, e1, third, 'merge');
    // git merges both edits of a.yaml: the group's file is neither pull request's alone.
    expect(await entryCarriesChange(git, trees, { parentSha: e1, sha: e3 }, third)).toBe(
      'apps/a.yaml is not as the pull request leaves it',
    );
  });
});
