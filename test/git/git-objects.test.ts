import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listCommitTree, listCommitTreeFrom, parseTreeListing } from '../../src/git/commit-tree-listing.ts';
import { BlobReader, openCommitTrees } from '../../src/git/git-objects.ts';
import { PlanCaches } from '../../src/model/plan-caches.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fixture(): GitFixture {
  const repo = createGitFixture();
  cleanups.push(() => repo.cleanup());
  return repo;
}

describe('git object trees', () => {
  it('lists a commit with kinds, object ids and sizes as git stores them', async () => {
    const repo = fixture();
    const sha = repo.commit({
      'apps/web/a.yaml': 'kind: ConfigMap\n',
      'apps/link': { symlink: 'web' },
    });
    const entries = await listCommitTree(repo.dir, sha);
    const blob = repo.git('rev-parse', `${sha}:apps/web/a.yaml`);
    expect(entries.get('apps/web/a.yaml')).toEqual({ kind: 'file', id: blob, size: 16 });
    expect(entries.get('apps/link')).toMatchObject({ kind: 'symlink', size: 3 });
    expect(entries.get('apps/web')).toMatchObject({
      kind: 'dir',
      id: repo.git('rev-parse', `${sha}:apps/web`),
    });
  });

  it('lists a revision from a known one and their difference exactly as a full listing would', async () => {
    const repo = fixture();
    const base = repo.commit({
      'apps/web/a.yaml': 'a: 1\n',
      'apps/web/b.yaml': 'b: 1\n',
      'apps/old/c.yaml': 'c: 1\n',
      'apps/link': { symlink: 'web' },
      'apps/thing': 'a file that becomes a directory\n',
      'tools/run.sh': '#!/bin/sh\n',
    });
    const head = repo.commit({
      'apps/web/a.yaml': 'a: 2 (longer now)\n',
      'apps/web/b.yaml': null,
      'apps/old/c.yaml': null,
      'apps/link': { symlink: 'new/place' },
      'apps/thing': null,
      'apps/thing/inside.yaml': 'x: 1\n',
      'apps/new/d.yaml': 'd: 1\n',
    });
    chmodSync(join(repo.dir, 'apps/new/d.yaml'), 0o755);
    const executable = repo.commit({});
    const known = { sha: base, entries: await listCommitTree(repo.dir, base) };
    for (const sha of [head, executable]) {
      const full = await listCommitTree(repo.dir, sha);
      const derived = await listCommitTreeFrom(repo.dir, sha, known);
      expect(new Map([...derived].sort())).toEqual(new Map([...full].sort()));
    }
    expect((await listCommitTreeFrom(repo.dir, executable, known)).get('apps/new/d.yaml')).toMatchObject({
      executable: true,
    });
  });

  it('opens the second revision of a plan from the first, and a later one from the repository’s last listed', async () => {
    const repo = fixture();
    const base = repo.commit({ 'a.yaml': 'a: 1\n', 'dir/b.yaml': 'b: 1\n' });
    const head = repo.commit({ 'a.yaml': 'a: 2\n', 'dir/c.yaml': 'c: 1\n' });
    const next = repo.commit({ 'dir/b.yaml': null });
    const caches = new PlanCaches();
    const trees = openCommitTrees(repo.dir, caches);
    cleanups.push(() => trees.close());
    const [baseTree, headTree] = await Promise.all([trees.tree(base), trees.tree(head)]);
    expect(baseTree.leaves()).toEqual(['a.yaml', 'dir/b.yaml']);
    expect(headTree.leaves()).toEqual(['a.yaml', 'dir/b.yaml', 'dir/c.yaml']);
    expect(await headTree.text('a.yaml')).toBe('a: 2\n');
    expect((await trees.tree(next)).leaves()).toEqual(['a.yaml', 'dir/c.yaml']);
    // A listing of another repository in the same caches is never the base of this repository's next one.
    const other = fixture();
    const foreign = other.commit({ 'z.yaml': 'z: 1\n' });
    caches.trees.set(foreign, await listCommitTree(other.dir, foreign));
    const fresh = repo.commit({ 'e.yaml': 'e: 1\n' });
    expect((await trees.tree(fresh)).leaves()).toEqual(['a.yaml', 'dir/c.yaml', 'e.yaml']);
  });

  it('leaves out entries under a path component git would never check out', () => {
    const listing = [
      '100644 blob 1111111111111111111111111111111111111111       3\tok.yaml',
      '100644 blob 2222222222222222222222222222222222222222       3\t.git/config',
      '100644 blob 3333333333333333333333333333333333333333       3\ta/../../escape',
      '100644 blob 4444444444444444444444444444444444444444       3\ta/.GIT/hooks/x',
      '',
    ].join('\0');
    expect([...parseTreeListing(listing).keys()]).toEqual(['.', 'ok.yaml']);
  });

  it('reads many blobs through one process, in order, and says when one is missing', async () => {
    const repo = fixture();
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`f/${i}.txt`] = `${'x'.repeat(i * 97)}\n${i}\n`;
    const sha = repo.commit(files);
    const reader = new BlobReader(repo.dir);
    cleanups.push(() => reader.close());
    const entries = await listCommitTree(repo.dir, sha);
    const texts = await Promise.all(
      Object.keys(files).map(async (path) => (await reader.read(entries.get(path)!.id)).toString('utf8')),
    );
    expect(texts).toEqual(Object.values(files));
    await expect(reader.read('0'.repeat(40))).rejects.toThrow(/missing/);
    expect((await reader.read(entries.get('f/1.txt')!.id)).toString('utf8')).toBe(files['f/1.txt']);
  });

  it('keeps listings and blob bytes between plans by content', async () => {
    const repo = fixture();
    const sha = repo.commit({ 'a.yaml': 'a: 1\n' });
    const caches = new PlanCaches();
    const first = openCommitTrees(repo.dir, caches);
    expect(await (await first.tree(sha)).text('a.yaml')).toBe('a: 1\n');
    first.close();
    repo.git('gc', '--prune=now', '-q');
    const id = (await first.tree(sha)).entry('a.yaml')!.id;
    expect(caches.trees.get(sha)).toBeDefined();
    expect(caches.blobs.get(id)?.toString('utf8')).toBe('a: 1\n');
  });
});
