import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GitCommandError,
  NotAGitRepositoryError,
  openGitRepository,
  UnknownRefError,
} from '../../src/git/git-repository.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fixture(options: { origin?: string; branch?: string } = {}): GitFixture {
  const repo = createGitFixture(options);
  cleanups.push(() => repo.cleanup());
  return repo;
}

describe('openGitRepository', () => {
  it('rejects a directory that is not a repository with a one-line reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mergeplane-plain-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const error = await openGitRepository(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAGitRepositoryError);
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).not.toContain('\n');
  });

  it('rejects a missing directory', async () => {
    await expect(openGitRepository('/nonexistent/mergeplane-repo')).rejects.toThrow(NotAGitRepositoryError);
  });

  it('opens a subdirectory at the repository top level', async () => {
    const repo = fixture();
    repo.commit({ 'apps/a.yaml': 'a: 1\n' });
    const opened = await openGitRepository(join(repo.dir, 'apps'));
    expect(opened.dir).toBe(repo.git('rev-parse', '--show-toplevel'));
  });
});

describe('resolve', () => {
  it('resolves branches, tags, short SHAs, HEAD~ and origin/ branches to full SHAs', async () => {
    const repo = fixture();
    const first = repo.commit({ 'a.txt': '1' });
    const second = repo.commit({ 'a.txt': '2' });
    repo.git('tag', 'v1', first);
    repo.git('tag', '-a', 'v2', '-m', 'annotated', second);
    repo.git('update-ref', 'refs/remotes/origin/release', first);
    const git = await openGitRepository(repo.dir);
    const table: [string, string][] = [
      ['main', second],
      ['HEAD', second],
      ['HEAD~1', first],
      ['v1', first],
      ['v2', second],
      [first.slice(0, 8), first],
      [second, second],
      ['release', first],
      ['origin/release', first],
    ];
    for (const [ref, sha] of table) expect(await git.resolve(ref), ref).toBe(sha);
  });

  it('throws UnknownRefError naming the ref', async () => {
    const repo = fixture();
    repo.commit({ 'a.txt': '1' });
    const git = await openGitRepository(repo.dir);
    for (const ref of ['nope', '0000000000000000000000000000000000000000', '--output=/tmp/x', '']) {
      const error = await git.resolve(ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownRefError);
      expect((error as Error).message).toContain(ref);
    }
  });
});

describe('changedFiles', () => {
  it('lists added, modified, deleted and both sides of a rename, sorted', async () => {
    const repo = fixture();
    const base = repo.commit({
      'apps/one.yaml': 'one: 1\n',
      'apps/two.yaml': 'two: 2\n',
      'old/name.yaml': 'content: same\n',
      'gone.yaml': 'x: 1\n',
    });
    const head = repo.commit({
      'apps/one.yaml': 'one: 2\n',
      'old/name.yaml': null,
      'new/name.yaml': 'content: same\n',
      'gone.yaml': null,
      'added file.yaml': 'y: 1\n',
    });
    const git = await openGitRepository(repo.dir);
    expect(await git.changedFiles(base, head)).toEqual([
      'added file.yaml',
      'apps/one.yaml',
      'gone.yaml',
      'new/name.yaml',
      'old/name.yaml',
    ]);
    expect(await git.changedFiles(head, head)).toEqual([]);
  });

  it('diffs the two trees directly, not from their merge base', async () => {
    const repo = fixture();
    const root = repo.commit({ 'shared.yaml': 'v: 0\n' });
    const mainTip = repo.commit({ 'main-only.yaml': 'm: 1\n' });
    repo.git('checkout', '-q', '-b', 'feature', root);
    const featureTip = repo.commit({ 'feature.yaml': 'f: 1\n' });
    const git = await openGitRepository(repo.dir);
    // Against the merge base only feature.yaml differs; the trees also differ in main-only.yaml.
    expect(await git.changedFiles(mainTip, featureTip)).toEqual(['feature.yaml', 'main-only.yaml']);
  });

  it('keeps unusual file names intact', async () => {
    const repo = fixture();
    const base = repo.commit({ 'a.txt': '1' });
    const head = repo.commit({ 'ünï cödé/"quoted".yaml': 'x: 1\n' });
    const git = await openGitRepository(repo.dir);
    expect(await git.changedFiles(base, head)).toEqual(['ünï cödé/"quoted".yaml']);
  });

  it('fails with GitCommandError for an unknown object', async () => {
    const repo = fixture();
    const base = repo.commit({ 'a.txt': '1' });
    const git = await openGitRepository(repo.dir);
    await expect(git.changedFiles(base, 'f'.repeat(40))).rejects.toThrow(GitCommandError);
  });
});

describe('checkout', () => {
  it('materializes a revision with symlinks intact and removes it on dispose', async () => {
    const repo = fixture();
    const first = repo.commit({
      'charts/common/values.yaml': 'replicas: 1\n',
      'apps/web/common': { symlink: '../../charts/common' },
      'apps/web/values.yaml': { symlink: '../../charts/common/values.yaml' },
    });
    repo.commit({ 'charts/common/values.yaml': 'replicas: 2\n' });
    const git = await openGitRepository(repo.dir);
    const checkout = await git.checkout(first);
    expect(checkout.sha).toBe(first);
    expect(checkout.dir.startsWith(repo.dir)).toBe(false);
    expect(lstatSync(join(checkout.dir, 'apps/web/common')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(checkout.dir, 'apps/web/values.yaml'))).toBe('../../charts/common/values.yaml');
    expect(readFileSync(join(checkout.dir, 'charts/common/values.yaml'), 'utf8')).toBe('replicas: 1\n');
    // The user's own work tree is untouched.
    expect(readFileSync(join(repo.dir, 'charts/common/values.yaml'), 'utf8')).toBe('replicas: 2\n');
    expect(repo.git('worktree', 'list')).toContain(checkout.dir);

    await checkout.dispose();
    await checkout.dispose();
    expect(existsSync(checkout.dir)).toBe(false);
    expect(repo.git('worktree', 'list')).not.toContain(checkout.dir);
  });

  it('gives two revisions two independent checkouts', async () => {
    const repo = fixture();
    const first = repo.commit({ 'a.txt': '1' });
    const second = repo.commit({ 'a.txt': '2' });
    const git = await openGitRepository(repo.dir);
    const [a, b] = await Promise.all([git.checkout(first), git.checkout(second)]);
    expect(readFileSync(join(a.dir, 'a.txt'), 'utf8')).toBe('1');
    expect(readFileSync(join(b.dir, 'a.txt'), 'utf8')).toBe('2');
    await Promise.all([a.dispose(), b.dispose()]);
    expect(existsSync(a.dir) || existsSync(b.dir)).toBe(false);
  });
});

describe('remote identity', () => {
  it('reads the origin URL and the default branch origin/HEAD points to', async () => {
    const repo = fixture({ origin: 'git@github.com:acme/gitops.git' });
    const sha = repo.commit({ 'a.txt': '1' });
    repo.git('update-ref', 'refs/remotes/origin/trunk', sha);
    repo.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
    const git = await openGitRepository(repo.dir);
    expect(await git.originUrl()).toBe('git@github.com:acme/gitops.git');
    expect(await git.defaultBranch()).toBe('trunk');
  });

  it('answers undefined without a remote', async () => {
    const repo = fixture();
    repo.commit({ 'a.txt': '1' });
    const git = await openGitRepository(repo.dir);
    expect(await git.originUrl()).toBeUndefined();
    expect(await git.defaultBranch()).toBeUndefined();
  });
});

describe('readFile', () => {
  it('reads a file at a revision, undefined when absent or a directory', async () => {
    const repo = fixture();
    const first = repo.commit({ '.github/mergeplane.yml': 'v: 1\n' });
    repo.commit({ '.github/mergeplane.yml': null });
    const git = await openGitRepository(repo.dir);
    expect(await git.readFile(first, '.github/mergeplane.yml')).toBe('v: 1\n');
    expect(await git.readFile(first, 'missing.yml')).toBeUndefined();
    expect(await git.readFile(first, '.github')).toBeUndefined();
    expect(await git.readFile(await git.resolve('HEAD'), '.github/mergeplane.yml')).toBeUndefined();
  });

  it('refuses a file larger than maxBytes with its size, and reads one exactly at the limit', async () => {
    const repo = fixture();
    const sha = repo.commit({ 'big.yml': 'x'.repeat(101), 'fits.yml': 'y'.repeat(100) });
    const git = await openGitRepository(repo.dir);
    await expect(git.readFile(sha, 'big.yml', { maxBytes: 100 })).rejects.toThrow(
      expect.objectContaining({ name: 'FileTooLargeError', path: 'big.yml', size: 101, maxBytes: 100 }),
    );
    expect(await git.readFile(sha, 'fits.yml', { maxBytes: 100 })).toBe('y'.repeat(100));
    expect(await git.readFile(sha, 'missing.yml', { maxBytes: 100 })).toBeUndefined();
  });
});

describe('currentBranch', () => {
  it('names the checked-out branch, and nothing when HEAD is detached', async () => {
    const fixture = createGitFixture({ branch: 'trunk' });
    try {
      const sha = fixture.commit({ 'a.txt': 'a' });
      const repo = await openGitRepository(fixture.dir);
      expect(await repo.currentBranch()).toBe('trunk');
      fixture.git('checkout', '-q', '--detach', sha);
      expect(await repo.currentBranch()).toBeUndefined();
    } finally {
      fixture.cleanup();
    }
  });
});

describe('bare repositories', () => {
  it('opens a bare clone, resolves refs and checks out a commit from it', async () => {
    const source = createGitFixture();
    const bareDir = mkdtempSync(join(tmpdir(), 'mergeplane-bare-'));
    try {
      const sha = source.commit({ 'apps/a.yaml': 'a: 1\n' });
      source.git('clone', '-q', '--bare', source.dir, join(bareDir, 'repo.git'));
      const repo = await openGitRepository(join(bareDir, 'repo.git'));
      expect(await repo.resolve('main')).toBe(sha);
      const checkout = await repo.checkout(sha);
      try {
        expect(readFileSync(join(checkout.dir, 'apps/a.yaml'), 'utf8')).toBe('a: 1\n');
      } finally {
        await checkout.dispose();
      }
    } finally {
      source.cleanup();
      rmSync(bareDir, { recursive: true, force: true });
    }
  });
});
