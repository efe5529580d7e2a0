import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkTree } from '../../src/gitops/walk-tree.ts';
import { tempTrees } from '../support/temp-tree.ts';

const tree = tempTrees('walk');

function sorted<T extends { path: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
}

describe('walkTree', () => {
  it('lists non-directory entries, skipping .git and reporting symlinks without entering them', async () => {
    const root = tree({
      '.git/HEAD': 'ref: refs/heads/main\n',
      'apps/.git': 'gitdir: elsewhere\n',
      'apps/web/values.yaml': 'a: 1\n',
      'apps/web/linked': { symlink: '../../shared' },
      'apps/web/values-link.yaml': { symlink: 'values.yaml' },
      'apps/web/dangling': { symlink: 'missing' },
      'shared/common.yaml': 'b: 1\n',
      'top.yaml': 'c: 1\n',
    });
    expect(sorted(await walkTree(root, '.'))).toEqual([
      { path: 'apps/web/dangling', kind: 'symlink' },
      { path: 'apps/web/linked', kind: 'symlink' },
      { path: 'apps/web/values-link.yaml', kind: 'symlink' },
      { path: 'apps/web/values.yaml', kind: 'file' },
      { path: 'shared/common.yaml', kind: 'file' },
      { path: 'top.yaml', kind: 'file' },
    ]);
    expect(sorted(await walkTree(root, 'apps/web')).map((e) => e.path)).toEqual([
      'apps/web/dangling',
      'apps/web/linked',
      'apps/web/values-link.yaml',
      'apps/web/values.yaml',
    ]);
  });

  it('reports other entry types and skips what it cannot read', async () => {
    const root = tree({ 'a/file.yaml': 'a: 1\n' });
    execFileSync('mkfifo', [join(root, 'a/pipe')]);
    expect(sorted(await walkTree(root, 'a'))).toEqual([
      { path: 'a/file.yaml', kind: 'file' },
      { path: 'a/pipe', kind: 'other' },
    ]);
    expect(await walkTree(root, 'missing')).toEqual([]);
    expect(await walkTree(root, 'a/file.yaml')).toEqual([]);
  });
});
