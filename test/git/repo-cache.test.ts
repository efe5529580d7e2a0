import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRepoCache, InvalidSyncRequestError, RepoSyncError } from '../../src/git/repo-cache.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.ts';

const TOKEN = 'ghs_installationTokenForTests0123456789';
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

interface World {
  server: GitHttpServer;
  work: GitFixture;
  /** The served bare repository (what GitHub holds). */
  remote: string;
  cacheDir: string;
  /** Commits in `work` and pushes them (and `main`) to the server; returns the SHA. */
  push(refs: string[], tree: Record<string, string>, message?: string): string;
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let world: World;
beforeEach(async () => {
  const root = mkdtempSync(join(tmpdir(), 'mergeplane-served-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-repo-cache-'));
  const remote = join(root, 'acme', 'gitops.git');
  mkdirSync(remote, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const work = createGitFixture();
  const server = await startGitHttpServer({ root, token: TOKEN });
  cleanups.push(
    () => rmSync(root, { recursive: true, force: true }),
    () => rmSync(cacheDir, { recursive: true, force: true }),
    () => work.cleanup(),
    () => server.close(),
  );
  world = {
    server,
    work,
    remote,
    cacheDir,
    push(refs, tree, message) {
      const sha = work.commit(tree, message);
      work.git('push', '-q', '--force', remote, ...refs.map((r) => `HEAD:${r}`));
      return sha;
    },
  };
});

function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', join(dir, '.git'), ...args], { encoding: 'utf8' }).trim();
}

/** Every file of the clone except object storage, as text. */
function cloneText(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    if (!entry.isFile() || full.includes(`${join(dir, '.git', 'objects')}/`)) continue;
    text += readFileSync(full, 'latin1');
  }
  return text;
}

describe('createRepoCache', () => {
  it('clones on first use and resolves base and pull-request head', async () => {
    const base = world.push(['refs/heads/main'], { 'apps/a.yaml': 'a: 1\n' });
    const head = world.push(['refs/pull/12/head'], { 'apps/a.yaml': 'a: 2\n' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });

    const repo = await cache.sync({
      owner: 'acme',
      repo: 'gitops',
      token: TOKEN,
      refs: ['refs/pull/12/head', 'main'],
    });

    expect(repo.dir).toBe(
      join(world.cacheDir, `127.0.0.1_${new URL(world.server.baseUrl).port}`, 'acme', 'gitops'),
    );
    expect(readdirSync(repo.dir)).toEqual(['.git']);
    expect(await repo.resolve('main')).toBe(base);
    expect(await repo.resolve('refs/pull/12/head')).toBe(head);
    expect(await repo.resolve('pull/12/head')).toBe(head);
    expect(await repo.changedFiles(base, head)).toEqual(['apps/a.yaml']);
    expect(await repo.originUrl()).toBe(`${world.server.baseUrl}/acme/gitops.git`);
    // Only the requested refs were fetched: no local branches to shadow origin/*.
    expect(gitIn(repo.dir, 'for-each-ref', '--format=%(refname)').split('\n').sort()).toEqual([
      'refs/remotes/origin/main',
      'refs/remotes/pull/12/head',
    ]);
    expect(world.server.requests.length).toBeGreaterThan(0);
    expect(world.server.requests.every((r) => r.authorized)).toBe(true);
  });

  it('fetches new commits incrementally into the same clone', async () => {
    world.push(['refs/heads/main'], { 'a.txt': '1' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const first = await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['main'] });
    const marker = join(first.dir, 'mergeplane-test-marker');
    writeFileSync(marker, 'kept');
    const objectsInode = statSync(join(first.dir, '.git', 'objects')).ino;

    const next = world.push(['refs/heads/main', 'refs/pull/3/head'], { 'a.txt': '2' });
    world.server.requests.length = 0;
    const second = await cache.sync({
      owner: 'Acme',
      repo: 'GitOps',
      token: TOKEN,
      refs: ['refs/heads/main', 'refs/pull/3/head'],
    });

    expect(second.dir).toBe(first.dir);
    expect(existsSync(marker)).toBe(true);
    expect(statSync(join(second.dir, '.git', 'objects')).ino).toBe(objectsInode);
    expect(await second.resolve('main')).toBe(next);
    expect(await second.resolve('refs/heads/main')).toBe(next);
    expect(await second.resolve('refs/pull/3/head')).toBe(next);
    expect(world.server.requests.some((r) => r.url.endsWith('/git-upload-pack'))).toBe(true);
  });

  it('fetches a commit by SHA, and skips the network for a SHA it already has', async () => {
    const old = world.push(['refs/heads/main'], { 'a.txt': '1' });
    world.push(['refs/heads/main'], { 'a.txt': '2' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const repo = await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: [old] });
    expect(await repo.resolve(old)).toBe(old);

    world.server.requests.length = 0;
    await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: [old] });
    expect(world.server.requests).toEqual([]);
  });

  it('checks out the fetched head through the returned repository', async () => {
    world.push(['refs/heads/main'], { 'apps/a.yaml': 'a: 1\n' });
    const head = world.push(['refs/pull/7/head'], { 'apps/a.yaml': 'a: 2\n', 'apps/b.yaml': 'b: 1\n' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const repo = await cache.sync({
      owner: 'acme',
      repo: 'gitops',
      token: TOKEN,
      refs: ['main', 'refs/pull/7/head'],
    });

    const checkout = await repo.checkout(await repo.resolve('refs/pull/7/head'));
    cleanups.push(() => checkout.dispose());
    expect(checkout.sha).toBe(head);
    expect(readFileSync(join(checkout.dir, 'apps/a.yaml'), 'utf8')).toBe('a: 2\n');
    expect(readFileSync(join(checkout.dir, 'apps/b.yaml'), 'utf8')).toBe('b: 1\n');
    expect(await repo.readFile(head, 'apps/b.yaml')).toBe('b: 1\n');
  });

  it('never persists the token in the clone', async () => {
    world.push(['refs/heads/main', 'refs/pull/1/head'], { 'a.txt': '1' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const repo = await cache.sync({
      owner: 'acme',
      repo: 'gitops',
      token: TOKEN,
      refs: ['main', 'refs/pull/1/head'],
    });

    const config = gitIn(repo.dir, 'config', '--list', '--local');
    expect(config).toContain('remote.origin.url=');
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(BASIC);
    expect(config.toLowerCase()).not.toContain('extraheader');
    const text = cloneText(repo.dir);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(BASIC);
  });

  it('fails with RepoSyncError, token redacted, on a wrong token and leaves no clone behind', async () => {
    world.push(['refs/heads/main'], { 'a.txt': '1' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const wrong = 'ghs_wrongTokenThatMustNotLeak987654321';

    const error = await cache
      .sync({ owner: 'acme', repo: 'gitops', token: wrong, refs: ['main'] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RepoSyncError);
    const syncError = error as RepoSyncError;
    expect(syncError.exitCode).toBe(128);
    expect(syncError.message).toContain('acme/gitops');
    const wrongBasic = Buffer.from(`x-access-token:${wrong}`).toString('base64');
    for (const text of [
      syncError.message,
      syncError.stack ?? '',
      syncError.stderr,
      JSON.stringify(syncError),
    ]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(wrongBasic);
    }
    // Refused once, not retried: a failed first clone is not mistaken for a corrupt one.
    expect(world.server.requests.map((r) => r.authorized)).toEqual([false]);
    expect(
      readdirSync(world.cacheDir, { recursive: true }).filter((p) => String(p).includes('gitops')),
    ).toEqual([]);
  });

  it('keeps a good clone when a later sync fails to authenticate', async () => {
    const sha = world.push(['refs/heads/main'], { 'a.txt': '1' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const repo = await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['main'] });
    world.push(['refs/heads/main'], { 'a.txt': '2' });

    await expect(
      cache.sync({ owner: 'acme', repo: 'gitops', token: 'ghs_expired', refs: ['main'] }),
    ).rejects.toBeInstanceOf(RepoSyncError);
    expect(await repo.resolve('main')).toBe(sha);
  });

  it('serializes concurrent syncs of the same repository; both succeed', async () => {
    const base = world.push(['refs/heads/main'], { 'a.txt': '1' });
    const head = world.push(['refs/pull/5/head'], { 'a.txt': '2' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });

    const [one, two] = await Promise.all([
      cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['main'] }),
      cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['refs/pull/5/head', 'main'] }),
    ]);

    expect(one.dir).toBe(two.dir);
    expect(await one.resolve('main')).toBe(base);
    expect(await two.resolve('refs/pull/5/head')).toBe(head);
  });

  it('deletes a corrupt clone and clones again', async () => {
    const sha = world.push(['refs/heads/main'], { 'a.txt': '1' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const first = await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['main'] });
    rmSync(join(first.dir, '.git', 'objects'), { recursive: true, force: true });

    const repo = await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['main'] });

    expect(repo.dir).toBe(first.dir);
    expect(await repo.resolve('main')).toBe(sha);
    expect(gitIn(repo.dir, 'fsck', '--connectivity-only')).toBe('');
  });

  it('unshallows a shallow clone so base and head have a merge base', async () => {
    const root = world.push(['refs/heads/main'], { 'a.txt': '1' });
    world.push(['refs/heads/main'], { 'a.txt': '2' });
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    const first = await cache.sync({ owner: 'acme', repo: 'gitops', token: TOKEN, refs: ['main'] });
    // Make the cached clone shallow, as a `--depth 1` clone would be.
    rmSync(first.dir, { recursive: true, force: true });
    execFileSync('git', [
      'clone',
      '-q',
      '--no-checkout',
      '--depth',
      '1',
      `file://${world.remote}`,
      first.dir,
    ]);
    execFileSync('git', [
      '-C',
      first.dir,
      'remote',
      'set-url',
      'origin',
      `${world.server.baseUrl}/acme/gitops.git`,
    ]);
    expect(gitIn(first.dir, 'rev-parse', '--is-shallow-repository')).toBe('true');

    world.work.git('checkout', '-q', root);
    const head = world.push(['refs/pull/9/head'], { 'b.txt': '1' });
    const repo = await cache.sync({
      owner: 'acme',
      repo: 'gitops',
      token: TOKEN,
      refs: ['main', 'refs/pull/9/head'],
    });

    expect(gitIn(repo.dir, 'rev-parse', '--is-shallow-repository')).toBe('false');
    expect(gitIn(repo.dir, 'merge-base', 'refs/remotes/origin/main', head)).toBe(root);
  });

  it.each([
    [{ owner: '../etc', repo: 'gitops', refs: ['main'] }],
    [{ owner: 'acme', repo: '..', refs: ['main'] }],
    [{ owner: 'acme', repo: 'a/b', refs: ['main'] }],
    [{ owner: 'acme', repo: 'gitops', refs: ['--upload-pack=touch /tmp/x'] }],
    [{ owner: 'acme', repo: 'gitops', refs: ['main:refs/heads/evil'] }],
    [{ owner: 'acme', repo: 'gitops', refs: ['refs/remotes/origin/main'] }],
    [{ owner: 'acme', repo: 'gitops', refs: [] }],
  ])('refuses an unusable request %j before running git', async (request) => {
    const cache = createRepoCache({ dir: world.cacheDir, baseUrl: world.server.baseUrl });
    await expect(cache.sync({ ...request, token: TOKEN })).rejects.toBeInstanceOf(InvalidSyncRequestError);
    expect(world.server.requests).toEqual([]);
  });
});
