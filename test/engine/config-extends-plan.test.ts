import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { directoryConfigReader } from '../../src/cli/directory-config-reader.ts';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/config-extends.ts';
import { planChange } from '../../src/engine/plan-change.ts';
import { createGitFixture } from '../support/git-fixture.ts';

/* Organisation defaults through the planning engine: the repository's `.github/mergeplane.yml` at the base extends
 * the organisation's `.github` repository, read here from a folder as the CLI's --config-extends DIR does. */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function repoDeletingAConfigMap(config: string) {
  const repo = createGitFixture({ origin: 'https://github.com/acme/gitops.git' });
  cleanups.push(() => repo.cleanup());
  repo.commit({
    '.github/mergeplane.yml': config,
    'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: web}
  source: {repoURL: https://github.com/acme/gitops, targetRevision: main, path: apps/web}
`,
    'apps/web/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}\n',
    'apps/web/other.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {b: "2"}\n',
  });
  repo.commit({ 'apps/web/settings.yaml': null });
  return repo;
}

function organisation(defaults: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'org-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  if (defaults !== undefined) {
    mkdirSync(join(dir, '.github', '.github'), { recursive: true });
    writeFileSync(join(dir, '.github', '.github', 'mergeplane.yml'), defaults);
  }
  return dir;
}

/** The repository's last commit planned, its `_extends` parents read from `org` as --config-extends DIR does. */
function planLastCommit(repo: { dir: string }, org?: string) {
  return planChange({
    repoDir: repo.dir,
    base: 'HEAD~1',
    head: 'HEAD',
    cacheDir: false,
    ...(org === undefined ? {} : { configExtends: directoryConfigReader(org) }),
  });
}

describe('organisation defaults (_extends) in a plan', () => {
  it('gates with the rules the organisation sets, merged under the repository config', async () => {
    const repo = repoDeletingAConfigMap('_extends: .github\ncomment: {maxParts: 3}\n');
    const org = organisation('approval:\n  destructiveKinds: [Namespace, ConfigMap]\n');
    const report = await planLastCommit(repo, org);
    expect(report.gates.filter((g) => g.status !== 'pass')).toEqual([
      expect.objectContaining({
        id: 'destructive',
        status: 'needs-approval',
        message: 'deletes ConfigMap web/settings',
      }),
    ]);
  });

  it('fails the config gate naming the chain when the defaults cannot be found', async () => {
    const repo = repoDeletingAConfigMap('_extends: .github\n');
    const report = await planLastCommit(repo, organisation(undefined));
    expect(report.gates.find((g) => g.id === 'config')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('.github/mergeplane.yml → .github:.github/mergeplane.yml: not found'),
    });
  });

  it('fails the config gate when the repository config itself is over the size limit, never parsing it', async () => {
    const repo = repoDeletingAConfigMap(`comment: {maxParts: 3}\n#${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);
    const report = await planLastCommit(repo);
    expect(report.gates.find((g) => g.id === 'config')).toMatchObject({
      status: 'fail',
      message: `.github/mergeplane.yml: larger than ${MAX_CONFIG_FILE_BYTES} bytes`,
    });
  });
});
