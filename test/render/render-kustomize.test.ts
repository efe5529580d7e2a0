import { afterEach, describe, expect, it } from 'vitest';
import { RenderError, UnsafeContentError, UnsupportedSourceError } from '../../src/render/render-error.ts';
import {
  configMap,
  createSandbox,
  deployment,
  find,
  names,
  rejection,
  render,
  type Sandbox,
  type Tree,
} from './render-fixture.ts';

type Container = { name: string; image: string };
function containers(object: Record<string, unknown>): Container[] {
  const spec = object.spec as { template: { spec: { containers: Container[] } } };
  return spec.template.spec.containers;
}

/** A base outside the app path (shared by overlays), and an overlay app that patches it. */
const REPO = {
  'bases/web/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - configmap.yaml\n',
  'bases/web/deployment.yaml': deployment('web', 'nginx:1.25'),
  'bases/web/configmap.yaml': configMap('web-config', { mode: 'base' }),
  'apps/web/overlays/prod/kustomization.yaml': `resources:
  - ../../../../bases/web
patches:
  - path: replicas.yaml
configMapGenerator:
  - name: extra
    literals: [tier=prod]
`,
  'apps/web/overlays/prod/replicas.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n',
  'apps/web/overlays/prod/extra-patch.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  patched: by-path\n',
  'components/monitoring/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
  - monitor.yaml
`,
  'components/monitoring/monitor.yaml': configMap('monitor'),
};
const APP = 'apps/web/overlays/prod';

describe('kustomize sources', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.cleanup());

  it('builds an overlay whose base lies outside the app path', async () => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, { source: { path: APP } });
    expect(out.sourceType).toBe('kustomize');
    const web = find(out.objects, 'Deployment', 'web');
    expect((web.spec as { replicas: number }).replicas).toBe(3);
    expect(names(out.objects)).toContain('ConfigMap/web-config');
    expect(out.objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('extra-'))).toBe(
      true,
    );
  });

  it.each([
    { form: 'name:tag', spec: 'nginx:1.27', image: 'nginx:1.27' },
    {
      form: 'name=newName:tag',
      spec: 'nginx=registry.example.com:5000/mirror/nginx:2.0',
      image: 'registry.example.com:5000/mirror/nginx:2.0',
    },
    {
      form: 'name@digest',
      spec: `nginx@sha256:${'a'.repeat(64)}`,
      image: `nginx@sha256:${'a'.repeat(64)}`,
    },
  ])('sets images in the $form form', async ({ spec, image }) => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, { source: { path: APP, kustomize: { images: [spec] } } });
    expect(containers(find(out.objects, 'Deployment', 'web'))[0]?.image).toBe(image);
  });

  it('applies namePrefix, nameSuffix, namespace, labels and annotations', async () => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, {
      source: {
        path: APP,
        kustomize: {
          namePrefix: 'pre-',
          nameSuffix: '-suf',
          namespace: 'team-a',
          commonLabels: { team: 'a' },
          commonAnnotations: { owner: 'platform' },
        },
      },
    });
    const web = find(out.objects, 'Deployment', 'pre-web-suf');
    expect(web.metadata.namespace).toBe('team-a');
    expect(web.metadata.labels).toMatchObject({ team: 'a' });
    expect(web.metadata.annotations).toMatchObject({ owner: 'platform' });
    // commonLabels reach selectors too (labelWithoutSelector unset).
    const spec = web.spec as { selector: { matchLabels: Record<string, string> } };
    expect(spec.selector.matchLabels).toMatchObject({ team: 'a' });
    expect(find(out.objects, 'ConfigMap', 'pre-web-config-suf').metadata.namespace).toBe('team-a');
  });

  it('keeps selectors untouched with labelWithoutSelector', async () => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, {
      source: { path: APP, kustomize: { commonLabels: { team: 'a' }, labelWithoutSelector: true } },
    });
    const web = find(out.objects, 'Deployment', 'web');
    expect(web.metadata.labels).toMatchObject({ team: 'a' });
    expect((web.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual({
      app: 'web',
    });
  });

  it('sets replicas, with a string count too', async () => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, {
      source: { path: APP, kustomize: { replicas: [{ name: 'web', count: '5' }] } },
    });
    expect((find(out.objects, 'Deployment', 'web').spec as { replicas: number }).replicas).toBe(5);
  });

  it('applies patches inline and by path (relative to the app)', async () => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, {
      source: {
        path: APP,
        kustomize: {
          patches: [
            {
              target: { kind: 'Deployment', name: 'web' },
              patch: '- op: replace\n  path: /spec/template/spec/containers/0/name\n  value: patched\n',
            },
            { path: 'extra-patch.yaml' },
          ],
        },
      },
    });
    expect(containers(find(out.objects, 'Deployment', 'web'))[0]?.name).toBe('patched');
    expect(find(out.objects, 'ConfigMap', 'web-config').data).toEqual({ mode: 'base', patched: 'by-path' });
  });

  it('adds components', async () => {
    sandbox = createSandbox(REPO);
    const out = await render(sandbox, {
      source: { path: APP, kustomize: { components: ['../../../../components/monitoring'] } },
    });
    expect(names(out.objects)).toContain('ConfigMap/monitor');
  });

  it('builds local paths that look like host names (kustomize reads them locally)', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - config.d/cm.yaml\n  - ../base-1.2\n  - app.d/\n',
      'app/config.d/cm.yaml': configMap('dotted-file'),
      'app/app.d/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'app/app.d/cm.yaml': configMap('dotted-dir'),
      'base-1.2/kustomization.yaml': 'resources:\n  - cm.yaml\n',
      'base-1.2/cm.yaml': configMap('versioned-base'),
    });
    const out = await render(sandbox, { source: { path: 'app' } });
    expect(names(out.objects)).toEqual([
      'ConfigMap/dotted-dir',
      'ConfigMap/dotted-file',
      'ConfigMap/versioned-base',
    ]);
  });

  it('refuses github.com/... even when a local directory of that name exists (kustomize would fetch it)', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - github.com/acme/repo\n',
      'app/github.com/acme/repo/kustomization.yaml': 'resources: []\n',
    });
    await expect(render(sandbox, { source: { path: 'app' } })).rejects.toBeInstanceOf(UnsafeContentError);
  });

  it('refuses a remote base', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - https://github.com/acme/bases//web?ref=v1\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect((error as UnsafeContentError).file).toBe('app/kustomization.yaml');
  });

  it.each([
    'github.com/acme/bases//web?ref=v1',
    'git@github.com:acme/bases.git//web',
    'git::https://example.com/bases.git',
  ])('refuses the remote form %s', async (ref) => {
    sandbox = createSandbox({ 'app/kustomization.yaml': `resources:\n  - ${ref}\n` });
    await expect(render(sandbox, { source: { path: 'app' } })).rejects.toBeInstanceOf(UnsafeContentError);
  });

  it('refuses a remote base reached through a local base', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - ../base\n',
      'base/kustomization.yaml': 'resources:\n  - https://example.com/evil.yaml\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect((error as UnsafeContentError).file).toBe('base/kustomization.yaml');
  });

  it('lets kubectl try an allowed remote base (and fail offline) instead of refusing it', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - https://127.0.0.1:9/acme/bases//web?ref=v1\n',
    });
    const error = await rejection(
      render(
        sandbox,
        { source: { path: 'app' } },
        { allowedRemotes: ['https://127.0.0.1:9/acme/'], timeoutMs: 15_000 },
      ),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error).not.toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/kustomize/);
  });

  it.each<{ what: string; tree: Tree; transformers: string[] }>([
    {
      what: 'an exec plugin config file in transformers',
      tree: {
        'app/transformers/exec.yaml': `apiVersion: example.com/v1
kind: Runner
metadata:
  name: run
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./script.sh
`,
      },
      transformers: ['transformers/exec.yaml'],
    },
    {
      what: 'a KRM container function in transformers',
      tree: {
        'app/fn.yaml': `apiVersion: example.com/v1
kind: Fn
metadata:
  name: fn
  annotations:
    config.kubernetes.io/function: |
      container:
        image: evil/fn
`,
      },
      transformers: ['fn.yaml'],
    },
    {
      what: 'a legacy external plugin (non-builtin apiVersion)',
      tree: {
        'app/plugin.yaml': 'apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n',
      },
      transformers: ['plugin.yaml'],
    },
  ])('refuses $what', async ({ tree, transformers }) => {
    sandbox = createSandbox({
      ...tree,
      'app/kustomization.yaml': `resources:\n  - cm.yaml\ntransformers:\n${transformers.map((t) => `  - ${t}\n`).join('')}`,
      'app/cm.yaml': configMap('cm'),
    });
    await expect(render(sandbox, { source: { path: 'app' } })).rejects.toBeInstanceOf(UnsafeContentError);
  });

  it('accepts a builtin transformer config', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - cm.yaml\ntransformers:\n  - prefix.yaml\n',
      'app/cm.yaml': configMap('cm'),
      'app/prefix.yaml':
        'apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: built-\nfieldSpecs:\n  - path: metadata/name\n',
    });
    const out = await render(sandbox, { source: { path: 'app' } });
    expect(names(out.objects)).toEqual(['ConfigMap/built-cm']);
  });

  it('refuses helmCharts', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml':
        'helmCharts:\n  - name: nginx\n    repo: https://charts.example.com\n    version: 1.0.0\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.constructor === UnsafeContentError || error.constructor === UnsupportedSourceError).toBe(
      true,
    );
    expect(error.message).toMatch(/helmCharts/);
  });

  it("surfaces kustomize's own error without absolute paths", async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - missing.yaml\n  - cm.yaml\n',
      'app/cm.yaml': configMap('cm'),
    });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toContain('missing.yaml');
    expect(error.message).not.toContain(sandbox.root);
    expect(error.message).not.toMatch(/\/tmp\//);
    expect(error.message).not.toMatch(/mergeplane-render/);
  });

  it('keeps the load restrictor on: a patch file outside the kustomization root is refused by kustomize', async () => {
    sandbox = createSandbox({
      'app/kustomization.yaml': 'resources:\n  - cm.yaml\npatches:\n  - path: ../shared/patch.yaml\n',
      'app/cm.yaml': configMap('cm'),
      'shared/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  x: y\n',
    });
    const error = await rejection(render(sandbox, { source: { path: 'app' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).not.toContain(sandbox.root);
  });
});
