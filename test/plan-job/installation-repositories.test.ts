import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import { createRepoCache } from '../../src/git/repo-cache.ts';
import { installationRepositories } from '../../src/plan-job/installation-repositories.ts';
import { applicationYaml } from '../conformance/conformance-repo.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.ts';

const TOKEN = 'ghs_installationTokenForTests0123456789';
const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: ${value}\n`;

let root: string;
let server: GitHttpServer;
let other: GitFixture;

/** A bare repository served at OWNER/REPO.git, as GitHub serves the installation's repositories. */
function serve(owner: string, repo: string, work: GitFixture, refs: string[]): void {
  const bare = join(root, owner, `${repo}.git`);
  mkdirSync(bare, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  work.git('push', '-q', '--force', bare, ...refs);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mergeplane-served-'));
  server = await startGitHttpServer({ root, token: TOKEN });
  other = createGitFixture();
  other.commit({ 'deploy/cm.yaml': cm('stable') }, 'stable');
  other.git('tag', 'v1');
  other.commit({ 'deploy/cm.yaml': cm('latest') }, 'latest');
  serve('acme', 'other', other, ['main:main', 'refs/tags/v1:refs/tags/v1']);
});
afterAll(async () => {
  await server.close();
  other.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const application = (repoURL: string, revision: string) =>
  applicationYaml('ext', { repoURL, path: 'deploy', targetRevision: revision });

describe('sources in other repositories of the installation (the App)', () => {
  it('fetches them with the installation token through the repo cache: a tag, then the default branch', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-repo-cache-'));
    const planned = createGitFixture({ origin: 'https://github.com/acme/gitops.git' });
    try {
      const repoCache = createRepoCache({ dir: cacheDir, baseUrl: server.baseUrl });
      const url = `${server.baseUrl}/acme/other.git`;
      planned.commit({ 'apps/ext.yaml': application(url, 'v1') }, 'base');
      planned.git('checkout', '-q', '-b', 'change');
      planned.commit({ 'apps/ext.yaml': application(url, 'HEAD') }, 'head');
      const report = await planChange({
        repoDir: planned.dir,
        base: 'main',
        head: 'change',
        cacheDir: false,
        remoteRepositories: installationRepositories({ repoCache, token: TOKEN }),
      });
      const ext = report.apps.find((a) => a.name === 'ext');
      const diff = ext?.resources?.find((r) => r.kind === 'ConfigMap')?.diff ?? '';
      expect(diff).toMatch(/^-\s+value: stable$/m);
      expect(diff).toMatch(/^\+\s+value: latest$/m);
      expect(server.requests.every((r) => r.authorized)).toBe(true);
    } finally {
      planned.cleanup();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('a repository outside the installation, or on another host, is that app’s error and gets no token', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-repo-cache-'));
    try {
      const repoCache = createRepoCache({ dir: cacheDir, baseUrl: server.baseUrl });
      const remote = installationRepositories({ repoCache, token: TOKEN });
      await expect(remote(`${server.baseUrl}/acme/not-installed.git`, 'HEAD')).rejects.toThrow(
        /not-installed/,
      );
      const before = server.requests.length;
      await expect(remote('https://gitlab.example.com/acme/other.git', 'HEAD')).resolves.toBeUndefined();
      expect(server.requests.length).toBe(before);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
