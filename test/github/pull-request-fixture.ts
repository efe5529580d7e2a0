import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitFixture, type TreeSpec } from '../support/git-fixture.ts';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.ts';

export const OWNER = 'acme';
export const REPO = 'gitops';
export const TOKEN = 'ghs_installation-token';

const APP = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: infra
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: infra
  source:
    repoURL: https://github.com/acme/gitops
    targetRevision: HEAD
    path: manifests/infra
`;

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n';

function configMap(keys: number, value: string): string {
  const data = Array.from({ length: keys }, (_, i) => `  key-${i}: "${value}-${i}"`).join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n${data}\n`;
}

function config(approval = '', comment = ''): string {
  return `repository:\n  url: https://github.com/acme/gitops\n${approval}${comment}`;
}

/** A bare repository served over smart HTTP like GitHub (installation token required). */
export interface ServedRepo {
  server: GitHttpServer;
  close(): Promise<void>;
}

/** Pushes `refs` (`<source ref>:<served ref>`) of the checkout at `source` to a served `owner/repo`. */
export async function serveRefs(options: {
  source: string;
  owner: string;
  repo: string;
  refs: string[];
}): Promise<ServedRepo> {
  const root = mkdtempSync(join(tmpdir(), 'mergeplane-served-'));
  try {
    const bare = join(root, options.owner, `${options.repo}.git`);
    mkdirSync(bare, { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    execFileSync('git', ['push', '-q', bare, ...options.refs], { cwd: options.source });
    const server = await startGitHttpServer({ root, token: TOKEN });
    return {
      server,
      async close() {
        await server.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** Base branches, each with its own `.github/mergeplane.yml`; pull requests on top of them. */
export interface PullRequestFixture extends ServedRepo {
  /** Head SHA of pull request N (refs/pull/N/head). */
  heads: Record<number, string>;
  /** Base branch of pull request N. */
  bases: Record<number, string>;
}

/**
 * A small GitOps repository served over smart HTTP like GitHub (installation token required):
 * one directory app `argocd/infra` with a Namespace and a ConfigMap.
 * - #1 on `main` (default rules): deletes the Namespace and edits `.github/mergeplane.yml` to allow
 *   self-approval (which must not count);
 * - #2 on `keep` (`dismissOnNewCommits: false`): deletes the Namespace;
 * - #3 on `teams` (`approval.teams: [platform]`): deletes the Namespace;
 * - #4 on `main`: a README change only (no app affected);
 * - #5 on `quiet` (`comment.onNoChanges: none`): a README change only;
 * - #6 on `main`: rewrites all 1,200 keys of the ConfigMap (a diff far larger than one comment);
 * - #7 on `live` (`plan.live: true`): rewrites the ConfigMap with 3 keys;
 * - #8 on `live`: adds the app `argocd/shop` (a ConfigMap in namespace `shop`, project `default`).
 */
export async function createPullRequestFixture(): Promise<PullRequestFixture> {
  const repo = createGitFixture({ branch: 'main' });
  const refs: string[] = [];
  const heads: Record<number, string> = {};
  const bases: Record<number, string> = {};
  const branchShas: Record<string, string> = {};
  try {
    branchShas.main = repo.commit(
      {
        '.github/mergeplane.yml': config(),
        'argocd/infra.yaml': APP,
        'manifests/infra/namespace.yaml': NAMESPACE,
        'manifests/infra/settings.yaml': configMap(1200, 'base'),
        'README.md': 'GitOps\n',
      },
      'base',
    );
    refs.push(`${branchShas.main}:refs/heads/main`);
    const branch = (name: string, tree: TreeSpec) => {
      repo.git('checkout', '-q', '--detach', branchShas.main ?? '');
      branchShas[name] = repo.commit(tree, name);
      refs.push(`${branchShas[name]}:refs/heads/${name}`);
    };
    branch('keep', { '.github/mergeplane.yml': config('approval:\n  dismissOnNewCommits: false\n') });
    branch('teams', { '.github/mergeplane.yml': config('approval:\n  teams: [platform]\n') });
    branch('quiet', { '.github/mergeplane.yml': config('', 'comment:\n  onNoChanges: none\n') });
    branch('live', { '.github/mergeplane.yml': config('', 'plan:\n  live: true\n') });

    const pull = (number: number, base: string, tree: TreeSpec) => {
      repo.git('checkout', '-q', '--detach', branchShas[base] ?? '');
      const sha = repo.commit(tree, `pr ${number}`);
      heads[number] = sha;
      bases[number] = base;
      refs.push(`${sha}:refs/pull/${number}/head`);
    };
    const deleteNamespace = { 'manifests/infra/namespace.yaml': null };
    pull(1, 'main', {
      ...deleteNamespace,
      '.github/mergeplane.yml': config('approval:\n  allowAuthorSelfApproval: true\n'),
    });
    pull(2, 'keep', deleteNamespace);
    pull(3, 'teams', deleteNamespace);
    pull(4, 'main', { 'README.md': 'GitOps, documented\n' });
    pull(5, 'quiet', { 'README.md': 'GitOps, documented\n' });
    pull(6, 'main', {
      'manifests/infra/settings.yaml': configMap(1200, 'head value that changed in this pull request'),
    });
    pull(7, 'live', { 'manifests/infra/settings.yaml': configMap(3, 'live diff') });
    pull(8, 'live', {
      'argocd/shop.yaml': APP.replaceAll('infra', 'shop'),
      'manifests/shop/settings.yaml': configMap(2, 'shop'),
    });

    const served = await serveRefs({ source: repo.dir, owner: OWNER, repo: REPO, refs });
    return { ...served, heads, bases };
  } finally {
    repo.cleanup();
  }
}
