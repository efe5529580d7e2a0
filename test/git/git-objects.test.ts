import { afterEach, describe, expect, it } from 'vitest';
import { BlobReader, listCommitTree, openCommitTrees, parseTreeListing } from '../../src/git/git-objects.ts';
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
