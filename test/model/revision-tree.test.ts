import { describe, expect, it } from 'vitest';
import { RevisionTree } from '../../src/model/revision-tree.ts';

describe('RevisionTree', () => {
  const tree = RevisionTree.fromFiles({
    'apps/web/kustomization.yaml': 'resources: [a.yaml]\n',
    'apps/web/a.yaml': 'kind: ConfigMap\n',
    'apps/web-extra/b.yaml': 'kind: Secret\n',
    'apps/webz.yaml': 'x\n',
    'apps/link': { symlink: 'web' },
    'apps/up': { symlink: '../shared/values.yaml' },
    'apps/passwd': { symlink: '/etc/passwd' },
    'apps/climb': { symlink: '../../outside' },
    'apps/loop-a': { symlink: 'loop-b' },
    'apps/loop-b': { symlink: 'loop-a' },
    'shared/values.yaml': 'a: 1\n',
  });

  it('lists files and links under a directory only, never entering a linked directory', () => {
    expect(tree.filesUnder('apps/web')).toEqual(['apps/web/a.yaml', 'apps/web/kustomization.yaml']);
    expect(tree.filesUnder('apps/link')).toEqual([]);
    expect(tree.filesUnder('apps')).toContain('apps/link');
    expect(tree.filesUnder('.')).toHaveLength(11);
    expect(tree.childNames('apps/web')).toEqual(['a.yaml', 'kustomization.yaml']);
    expect(tree.childNames('apps/webz.yaml')).toBeUndefined();
  });

  it('resolves links as the kernel does: relative to the link, and out of the tree when absolute or climbing', async () => {
    expect(await tree.resolve('apps/link/a.yaml')).toEqual({ kind: 'file', real: 'apps/web/a.yaml' });
    expect(await tree.resolve('apps/link')).toEqual({ kind: 'dir', real: 'apps/web' });
    expect(await tree.resolve('apps/up')).toEqual({ kind: 'file', real: 'shared/values.yaml' });
    expect(await tree.resolve('apps/link/../webz.yaml')).toEqual({ kind: 'file', real: 'apps/webz.yaml' });
    expect(await tree.resolve('apps/passwd')).toEqual({ kind: 'outside' });
    expect(await tree.resolve('apps/climb')).toEqual({ kind: 'outside' });
    expect(await tree.resolve('../x')).toEqual({ kind: 'outside' });
    expect(await tree.resolve('apps/loop-a')).toEqual({ kind: 'missing' });
    expect(await tree.resolve('apps/webz.yaml/x')).toEqual({ kind: 'missing' });
    expect(await tree.resolve('.')).toEqual({ kind: 'dir', real: '.' });
  });

  it('reads only regular files as text, and bounds them by size before reading', async () => {
    expect(await tree.text('apps/up')).toBeUndefined();
    expect(await tree.linkTarget('apps/up')).toBe('../shared/values.yaml');
    expect(await tree.boundedText('shared/values.yaml', 100)).toEqual({ text: 'a: 1\n' });
    expect(await tree.boundedText('shared/values.yaml', 2)).toEqual({ tooLarge: 5 });
  });

  it('records what a resolution looked at, and keys paths by kind or by content', async () => {
    const seen: string[] = [];
    await tree.resolve('apps/link/a.yaml', (path) => seen.push(path));
    expect(seen).toEqual(['apps', 'apps/link', 'apps/web', 'apps/web/a.yaml']);
    const other = RevisionTree.fromFiles({ 'apps/web/a.yaml': 'kind: Secret\n' });
    expect(other.dependencyKey('apps/web/a.yaml', 'kind')).toBe(
      tree.dependencyKey('apps/web/a.yaml', 'kind'),
    );
    expect(other.dependencyKey('apps/web/a.yaml', 'content')).not.toBe(
      tree.dependencyKey('apps/web/a.yaml', 'content'),
    );
    expect(other.dependencyKey('apps/link', 'kind')).toBe('missing');
  });
  it('tells whether a path still has a dependency key exactly when the key is the same', () => {
    const other = RevisionTree.fromFiles({
      'apps/web/a.yaml': 'kind: Secret\n',
      'apps/link': { symlink: 'elsewhere' },
      'apps/web/kustomization.yaml': 'resources: [a.yaml]\n',
    });
    const paths = [
      'apps/web/a.yaml',
      'apps/link',
      'apps/web',
      'apps/web/kustomization.yaml',
      'nope',
      'apps/up',
    ];
    for (const path of paths) {
      for (const depth of ['kind', 'content'] as const) {
        for (const from of [tree, other]) {
          const key = from.dependencyKey(path, depth);
          expect(tree.hasDependencyKey(path, depth, key)).toBe(tree.dependencyKey(path, depth) === key);
          expect(tree.hasDependencyKey(path, depth, `${key}x`)).toBe(false);
        }
      }
    }
  });

  it('computes a value derived from its listing once, for every tree over the same listing', () => {
    let calls = 0;
    const count = () => {
      calls++;
      return tree.leaves().length;
    };
    expect(tree.derived('count', count)).toBe(tree.leaves().length);
    expect(tree.derived('count', count)).toBe(tree.leaves().length);
    expect(calls).toBe(1);
    const another = RevisionTree.fromFiles({ 'x.yaml': 'x\n' });
    expect(another.derived('count', () => another.leaves().length)).toBe(1);
    // Two trees opened on one cached listing (two plans of one revision) share it.
    const listing = new Map([
      ['.', { kind: 'dir' as const, id: 'root' }],
      ['a', { kind: 'file' as const, id: 'b' }],
    ]);
    const open = () =>
      new RevisionTree({
        id: 'c',
        entries: listing,
        reader: async () => Buffer.alloc(0),
        contentAddressed: true,
      });
    expect(open().derived('n', () => 'first')).toBe('first');
    expect(open().derived('n', () => 'second')).toBe('first');
  });
});
