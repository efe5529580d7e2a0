import { afterEach, describe, expect, it } from 'vitest';
import { renderApplication } from '../../src/render/render-application.ts';
import { InvalidManifestError, RenderError, UnsupportedSourceError } from '../../src/render/render-error.ts';
import { appWith, cm, contextFor, createTestRepo, failure, type TestRepo } from './render-test-repo.ts';

const names = (objects: { metadata: { name: string } }[]) => objects.map((o) => o.metadata.name);

describe('renderApplication: directory sources', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  const tree = {
    'apps/web/a.yaml': cm('a'),
    'apps/web/b.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }),
    'apps/web/README.md': '# not a manifest',
    'apps/web/sub/c.yaml': `${cm('c')}---\n${cm('d')}`,
    'apps/web/sub/deeper/e.yml': cm('e'),
    'apps/web/empty.yaml': '---\n',
    'apps/web/list.yaml': `apiVersion: v1\nkind: List\nitems:\n  - ${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'l' } })}\n`,
  };

  it('reads only the top level by default, in walk order', async () => {
    repo = createTestRepo(tree);
    const out = await renderApplication(appWith({ source: { path: 'apps/web' } }), contextFor(repo.root));
    expect(out.sourceType).toBe('directory');
    expect(names(out.objects)).toEqual(['a', 'b', 'l']);
  });

  it('recurses, and applies include/exclude globs to the path relative to the source', async () => {
    repo = createTestRepo(tree);
    const ctx = contextFor(repo.root);
    const recurse = await renderApplication(
      appWith({ source: { path: 'apps/web', directory: { recurse: true } } }),
      ctx,
    );
    expect(names(recurse.objects)).toEqual(['a', 'b', 'l', 'c', 'd', 'e']);
    const included = await renderApplication(
      appWith({ source: { path: 'apps/web', directory: { recurse: true, include: '{*.yml,a.yaml}' } } }),
      ctx,
    );
    expect(names(included.objects)).toEqual(['a', 'e']);
    const excluded = await renderApplication(
      appWith({ source: { path: 'apps/web', directory: { recurse: true, exclude: 'sub/*,b.json' } } }),
      ctx,
    );
    expect(names(excluded.objects)).toEqual(['a', 'l']);
  });

  it('refuses jsonnet that would be included, but not when excluded', async () => {
    repo = createTestRepo({ 'apps/j/a.yaml': cm('a'), 'apps/j/main.jsonnet': '{}' });
    const ctx = contextFor(repo.root);
    const error = await failure(renderApplication(appWith({ source: { path: 'apps/j' } }), ctx));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
    expect(error.message).toMatch(/application web: source path apps\/j: apps\/j\/main.jsonnet: jsonnet/);
    const out = await renderApplication(
      appWith({ source: { path: 'apps/j', directory: { exclude: '*.jsonnet' } } }),
      ctx,
    );
    expect(names(out.objects)).toEqual(['a']);
  });

  it('reports a document that is not a Kubernetes object with its file and line', async () => {
    repo = createTestRepo({
      'apps/bad/x.yaml': `${cm('ok')}---\nkind: ConfigMap\nmetadata:\n  name: no-api\n`,
    });
    const error = await failure(
      renderApplication(appWith({ source: { path: 'apps/bad' } }), contextFor(repo.root)),
    );
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).file).toBe('apps/bad/x.yaml');
    expect((error as InvalidManifestError).line).toBe(8);
    expect(error.message).toContain('apps/bad/x.yaml:8');
  });

  it('keys generateName objects (hooks, Jobs) by a stand-in name, leaving the rest as rendered', async () => {
    repo = createTestRepo({
      'apps/hooks/job.yaml':
        'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\nspec: {}\n',
    });
    const out = await renderApplication(appWith({ source: { path: 'apps/hooks' } }), contextFor(repo.root));
    expect(out.objects).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { generateName: 'migrate-', name: 'migrate-*' },
        spec: {},
      },
    ]);
  });

  it('reports invalid YAML as an invalid manifest', async () => {
    repo = createTestRepo({ 'apps/bad/x.yaml': 'a: [\n' });
    const error = await failure(
      renderApplication(appWith({ source: { path: 'apps/bad' } }), contextFor(repo.root)),
    );
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).file).toBe('apps/bad/x.yaml');
  });

  it('refuses config management plugins and sources from other repositories', async () => {
    repo = createTestRepo({ 'apps/web/a.yaml': cm('a') });
    const ctx = contextFor(repo.root);
    const plugin = await failure(
      renderApplication(appWith({ source: { path: 'apps/web', plugin: { name: 'cmp' } } }), ctx),
    );
    expect(plugin).toBeInstanceOf(UnsupportedSourceError);
    expect(plugin.message).toContain('config management plugins are not supported');
    const other = await failure(
      renderApplication(
        appWith({ source: { path: 'apps/web', repoURL: 'https://github.com/else/where' } }),
        ctx,
      ),
    );
    expect(other).toBeInstanceOf(UnsupportedSourceError);
  });

  it('fails for a missing path and for a path leaving the repository', async () => {
    repo = createTestRepo({ 'apps/web/a.yaml': cm('a') });
    const ctx = contextFor(repo.root);
    expect(await failure(renderApplication(appWith({ source: { path: 'apps/nope' } }), ctx))).toBeInstanceOf(
      RenderError,
    );
    expect((await failure(renderApplication(appWith({ source: { path: '../..' } }), ctx))).name).toBe(
      'UnsafeContentError',
    );
  });

  it('concatenates multi-source apps and skips ref-only sources', async () => {
    repo = createTestRepo({ 'one/a.yaml': cm('a'), 'two/b.yaml': cm('b') });
    const ctx = contextFor(repo.root);
    const out = await renderApplication(
      appWith({ sources: [{ path: 'one' }, { ref: 'values' }, { path: 'two' }] }),
      ctx,
    );
    expect(out.sourceType).toBe('multi');
    expect(names(out.objects)).toEqual(['a', 'b']);
    const single = await renderApplication(appWith({ sources: [{ path: 'one' }, { ref: 'values' }] }), ctx);
    expect(single.sourceType).toBe('directory');
  });

  it('enforces the output cap on plain files too', async () => {
    repo = createTestRepo({ 'apps/big/a.yaml': cm('a', `  big: ${'x'.repeat(4096)}\n`) });
    const error = await failure(
      renderApplication(
        appWith({ source: { path: 'apps/big' } }),
        contextFor(repo.root, { maxOutputBytes: 1024 }),
      ),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/exceed the limit of 1024 bytes/);
  });
});
