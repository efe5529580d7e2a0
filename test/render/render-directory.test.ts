import { afterEach, describe, expect, it } from 'vitest';
import { InvalidManifestError, RenderError } from '../../src/render/render-error.ts';
import { configMap, createSandbox, names, rejection, render, type Sandbox } from './render-fixture.ts';

describe('directory sources', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.cleanup());

  const tree = {
    'app/a.yaml': configMap('a'),
    'app/b.yml': `${configMap('b1')}---\n${configMap('b2')}`,
    'app/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' } }),
    'app/notes.txt': 'not a manifest',
    'app/sub/d.yaml': configMap('d'),
    'app/sub/deeper/e.yaml': configMap('e'),
    'app/sub/skip.yaml': configMap('skip'),
  };

  it('reads YAML, multi-document YAML and JSON files of the path only, without recurse', async () => {
    sandbox = createSandbox(tree);
    const out = await render(sandbox, { source: { path: 'app' } });
    expect(out.sourceType).toBe('directory');
    expect(names(out.objects)).toEqual(['ConfigMap/a', 'ConfigMap/b1', 'ConfigMap/b2', 'Secret/c']);
  });

  it('descends into subdirectories with recurse', async () => {
    sandbox = createSandbox(tree);
    const out = await render(sandbox, { source: { path: 'app', directory: { recurse: true } } });
    expect(names(out.objects)).toEqual([
      'ConfigMap/a',
      'ConfigMap/b1',
      'ConfigMap/b2',
      'ConfigMap/d',
      'ConfigMap/e',
      'ConfigMap/skip',
      'Secret/c',
    ]);
  });

  it.each([
    {
      include: '*.yaml',
      exclude: undefined,
      expected: ['ConfigMap/a', 'ConfigMap/d', 'ConfigMap/e', 'ConfigMap/skip'],
    },
    { include: '{a.yaml,*.json}', exclude: undefined, expected: ['ConfigMap/a', 'Secret/c'] },
    { include: 'sub/*', exclude: undefined, expected: ['ConfigMap/d', 'ConfigMap/e', 'ConfigMap/skip'] },
    {
      include: undefined,
      exclude: '{*skip*,*.json}',
      expected: ['ConfigMap/a', 'ConfigMap/b1', 'ConfigMap/b2', 'ConfigMap/d', 'ConfigMap/e'],
    },
    { include: 'sub/*', exclude: 'sub/deeper/*', expected: ['ConfigMap/d', 'ConfigMap/skip'] },
  ])('include $include / exclude $exclude', async ({ include, exclude, expected }) => {
    sandbox = createSandbox(tree);
    const directory = { recurse: true, ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
    const out = await render(sandbox, { source: { path: 'app', directory } });
    expect(names(out.objects)).toEqual(expected);
  });

  it('reports a document that is not an object with its file and line', async () => {
    sandbox = createSandbox({
      'app/a.yaml': configMap('a'),
      'app/bad.yaml': `${configMap('ok')}---\n- just\n- a list\n`,
    });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(InvalidManifestError);
    const { file, line } = error as InvalidManifestError;
    expect(file).toBe('app/bad.yaml');
    expect(line).toBe(8);
    expect(error.message).toContain('app/bad.yaml');
  });

  it('reports invalid YAML as InvalidManifestError with the file', async () => {
    sandbox = createSandbox({ 'app/bad.yaml': 'apiVersion: v1\nkind: [unclosed\n' });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).file).toBe('app/bad.yaml');
  });

  it('fails on a path that does not exist', async () => {
    sandbox = createSandbox({ 'app/a.yaml': configMap('a') });
    const error = await rejection(render(sandbox, { source: { path: 'missing' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toContain('missing');
    expect(error.message).not.toContain(sandbox.root);
  });
});
