import { afterEach, describe, expect, it } from 'vitest';
import { InvalidManifestError, RenderError, UnsupportedSourceError } from '../../src/render/render-error.ts';
import { configMap, createSandbox, rejection, render, type Sandbox, WEB } from './render-fixture.ts';

/** Names in render order (the fixture's `names` sorts). */
const namesInOrder = (objects: { metadata: { name: string } }[]) => objects.map((o) => o.metadata.name);

describe('renderApplication: directory sources', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.cleanup());

  const tree = {
    'apps/web/a.yaml': configMap('a', { k: 'v' }),
    'apps/web/b.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }),
    'apps/web/README.md': '# not a manifest',
    'apps/web/sub/c.yaml': `${configMap('c', { k: 'v' })}---\n${configMap('d', { k: 'v' })}`,
    'apps/web/sub/deeper/e.yml': configMap('e', { k: 'v' }),
    'apps/web/empty.yaml': '---\n',
    'apps/web/list.yaml': `apiVersion: v1\nkind: List\nitems:\n  - ${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'l' } })}\n`,
  };

  it('reads only the top level by default, in walk order', async () => {
    sandbox = createSandbox(tree);
    const out = await render(sandbox, { ...WEB, source: { path: 'apps/web' } });
    expect(out.sourceType).toBe('directory');
    expect(namesInOrder(out.objects)).toEqual(['a', 'b', 'l']);
  });

  it('recurses, and applies include/exclude globs to the path relative to the source', async () => {
    sandbox = createSandbox(tree);
    const recurse = await render(sandbox, {
      ...WEB,
      source: { path: 'apps/web', directory: { recurse: true } },
    });
    expect(namesInOrder(recurse.objects)).toEqual(['a', 'b', 'l', 'c', 'd', 'e']);
    const included = await render(sandbox, {
      ...WEB,
      source: { path: 'apps/web', directory: { recurse: true, include: '{*.yml,a.yaml}' } },
    });
    expect(namesInOrder(included.objects)).toEqual(['a', 'e']);
    const excluded = await render(sandbox, {
      ...WEB,
      source: { path: 'apps/web', directory: { recurse: true, exclude: 'sub/*,b.json' } },
    });
    expect(namesInOrder(excluded.objects)).toEqual(['a', 'l']);
  });

  it('refuses jsonnet that would be included, but not when excluded', async () => {
    sandbox = createSandbox({ 'apps/j/a.yaml': configMap('a', { k: 'v' }), 'apps/j/main.jsonnet': '{}' });
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'apps/j' } }));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.message).toMatch(/application web: source path apps\/j: apps\/j\/main.jsonnet: jsonnet/);
    const out = await render(sandbox, {
      ...WEB,
      source: { path: 'apps/j', directory: { exclude: '*.jsonnet' } },
    });
    expect(namesInOrder(out.objects)).toEqual(['a']);
  });

  it('reports a document that is not a Kubernetes object with its file and line', async () => {
    sandbox = createSandbox({
      'apps/bad/x.yaml': `${configMap('ok', { k: 'v' })}---\nkind: ConfigMap\nmetadata:\n  name: no-api\n`,
    });
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'apps/bad' } }));
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).file).toBe('apps/bad/x.yaml');
    expect((error as InvalidManifestError).line).toBe(8);
    expect(error.message).toContain('apps/bad/x.yaml:8');
  });

  it('keys generateName objects (hooks, Jobs) by a stand-in name, leaving the rest as rendered', async () => {
    sandbox = createSandbox({
      'apps/hooks/job.yaml':
        'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\nspec: {}\n',
    });
    const out = await render(sandbox, { ...WEB, source: { path: 'apps/hooks' } });
    expect(out.objects).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { generateName: 'migrate-', name: 'migrate-*' },
        spec: {},
      },
    ]);
  });

  it('refuses config management plugins and sources from other repositories', async () => {
    sandbox = createSandbox({ 'apps/web/a.yaml': configMap('a', { k: 'v' }) });
    const plugin = await rejection(
      render(sandbox, { ...WEB, source: { path: 'apps/web', plugin: { name: 'cmp' } } }),
    );
    expect(plugin).toBeInstanceOf(UnsupportedSourceError);
    expect(plugin.message).toContain('config management plugins are not supported');
    const other = await rejection(
      render(sandbox, { ...WEB, source: { path: 'apps/web', repoURL: 'https://github.com/else/where' } }),
    );
    expect(other).toBeInstanceOf(UnsupportedSourceError);
  });

  it('fails for a missing path and for a path leaving the repository', async () => {
    sandbox = createSandbox({ 'apps/web/a.yaml': configMap('a', { k: 'v' }) });
    expect(await rejection(render(sandbox, { ...WEB, source: { path: 'apps/nope' } }))).toBeInstanceOf(
      RenderError,
    );
    expect((await rejection(render(sandbox, { ...WEB, source: { path: '../..' } }))).name).toBe(
      'UnsafeContentError',
    );
  });

  it('concatenates multi-source apps and skips ref-only sources', async () => {
    sandbox = createSandbox({
      'one/a.yaml': configMap('a', { k: 'v' }),
      'two/b.yaml': configMap('b', { k: 'v' }),
    });
    const out = await render(sandbox, {
      ...WEB,
      sources: [{ path: 'one' }, { ref: 'values' }, { path: 'two' }],
    });
    expect(out.sourceType).toBe('multi');
    expect(namesInOrder(out.objects)).toEqual(['a', 'b']);
    const single = await render(sandbox, { ...WEB, sources: [{ path: 'one' }, { ref: 'values' }] });
    expect(single.sourceType).toBe('directory');
  });

  it('enforces the output cap on plain files too', async () => {
    sandbox = createSandbox({ 'apps/big/a.yaml': configMap('a', { k: 'v', big: 'x'.repeat(4096) }) });
    const error = await rejection(
      render(sandbox, { ...WEB, source: { path: 'apps/big' } }, { maxOutputBytes: 1024 }),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/exceed the limit of 1024 bytes/);
  });
});
