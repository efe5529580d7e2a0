import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import { createTreeCheckout } from '../../src/engine/tree-checkout.ts';
import { PlanCaches } from '../../src/model/plan-caches.ts';
import { RevisionTree } from '../../src/model/revision-tree.ts';
import { applicationYaml, configMap, ORIGIN } from '../conformance/conformance-repo.ts';
import { createGitFixture, type GitFixture, type TreeSpec } from '../support/git-fixture.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function fixture(): GitFixture {
  const repo = createGitFixture({ origin: ORIGIN });
  cleanups.push(() => repo.cleanup());
  return repo;
}

const overlay = (name: string, extra: string[] = []) =>
  `resources:\n  - ../../base\n${extra.map((f) => `  - ${f}\n`).join('')}namePrefix: ${name}-\n`;

describe('plans sharing caches', () => {
  it('give the same report as plans without them, push after push, as inputs and shared files change', async () => {
    const repo = fixture();
    let previous = repo.commit({
      'base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'base/cm.yaml': configMap('settings', 'one'),
      'overlays/a/kustomization.yaml': overlay('a'),
      'overlays/b/kustomization.yaml': overlay('b'),
      'apps/a.yaml': applicationYaml('a', { repoURL: ORIGIN, path: 'overlays/a', targetRevision: 'main' }),
      'apps/b.yaml': applicationYaml('b', { repoURL: ORIGIN, path: 'overlays/b', targetRevision: 'main' }),
    });
    repo.git('checkout', '-q', '-b', 'change');
    const pushes: TreeSpec[] = [
      // a's kustomization starts reading a new file: its inputs change.
      {
        'overlays/a/kustomization.yaml': overlay('a', ['extra.yaml']),
        'overlays/a/extra.yaml': configMap('x', '1'),
      },
      // Only that new file changes: an input list kept from before the first push would miss it.
      { 'overlays/a/extra.yaml': configMap('x', '2') },
      // The shared base changes: both apps.
      { 'base/cm.yaml': configMap('settings', 'two') },
      // A link in b's directory to the new file: b reads it now.
      {
        'overlays/b/kustomization.yaml': overlay('b', ['linked.yaml']),
        'overlays/b/linked.yaml': { symlink: '../a/extra.yaml' },
      },
    ];
    const caches = new PlanCaches();
    const changed: string[][] = [];
    for (const push of pushes) {
      const head = repo.commit(push);
      // Each push planned against the one before: the plan a reviewer sees for the new commits.
      const options = {
        repoDir: repo.dir,
        base: previous,
        head,
        baseBranch: 'main',
        cacheDir: false as const,
      };
      previous = head;
      const shared = await planChange({ ...options, caches });
      const fresh = await planChange(options);
      expect(shared).toEqual(fresh);
      changed.push(shared.apps.filter((a) => a.status !== 'unchanged').map((a) => a.name));
    }
    expect(changed).toEqual([['a'], ['a'], ['a', 'b'], ['b']]);
    expect(caches.derivedCache('app-inputs').size).toBeGreaterThan(0);
  });
});

describe('createTreeCheckout', () => {
  it('writes only the paths asked for, and a link in place of a linked directory', async () => {
    const tree = RevisionTree.fromFiles({
      'apps/web/a.yaml': 'a\n',
      'apps/web/sub/b.yaml': 'b\n',
      'apps/other/c.yaml': 'c\n',
      'apps/alias': { symlink: 'web' },
    });
    const checkout = createTreeCheckout(tree);
    cleanups.push(() => checkout.dispose());
    const root = await checkout.materialise(['apps/web', 'apps/alias/a.yaml', 'missing/file']);
    expect(readdirSync(join(root, 'apps')).sort()).toEqual(['alias', 'web']);
    expect(readdirSync(join(root, 'apps/web/sub'))).toEqual(['b.yaml']);
    expect(readlinkSync(join(root, 'apps/alias'))).toBe('web');
    expect(await checkout.materialise(['apps/other/c.yaml'])).toBe(root);
    expect(readdirSync(join(root, 'apps')).sort()).toEqual(['alias', 'other', 'web']);
  });
});
