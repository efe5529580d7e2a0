import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { RenderError, UnsafeContentError, UnsupportedSourceError } from '../../src/render/render-error.ts';
import {
  configMap,
  createSandbox,
  deployment,
  rejection,
  render,
  type Sandbox,
  WEB,
} from './render-fixture.ts';

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe('renderApplication: kustomize sources', () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = createSandbox({
      'base/kustomization.yaml': 'resources:\n  - deploy.yaml\n  - cm.yaml\n',
      'base/deploy.yaml': deployment('web', 'nginx:1.25', { app: 'web' }),
      'base/cm.yaml': configMap('settings', { k: 'v' }),
      'overlays/prod/kustomization.yaml':
        'resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\nimages:\n  - name: nginx\n    newTag: "1.26"\n',
      'overlays/prod/replicas.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n',
      'components/extra/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - extra.yaml\n',
      'components/extra/extra.yaml': configMap('extra', { k: 'v' }),
      'plain/Kustomization': 'resources:\n  - cm.yaml\n',
      'plain/cm.yaml': configMap('plain', { k: 'v' }),
    });
  });
  afterAll(() => sandbox.cleanup());

  it('builds an overlay over a base', async () => {
    const out = await render(sandbox, { ...WEB, source: { path: 'overlays/prod' } });
    expect(out.sourceType).toBe('kustomize');
    const [web] = byKind(out.objects, 'Deployment');
    expect(web?.spec).toMatchObject({
      replicas: 2,
      template: { spec: { containers: [{ image: 'nginx:1.26' }] } },
    });
    expect(byKind(out.objects, 'ConfigMap').map((o) => o.metadata.name)).toEqual(['settings']);
  });

  it('finds a `Kustomization` file', async () => {
    const out = await render(sandbox, { ...WEB, source: { path: 'plain' } });
    expect(out.objects.map((o) => o.metadata.name)).toEqual(['plain']);
  });

  it('applies the Application kustomize block like Argo CD', async () => {
    const app = {
      ...WEB,
      source: {
        path: 'overlays/prod',
        kustomize: {
          namePrefix: 'p-',
          nameSuffix: '-s',
          images: ['nginx=registry.local/nginx:1.27'],
          commonLabels: { env: 'prod' },
          commonAnnotations: { owner: 'team-a' },
          namespace: 'prod-ns',
          replicas: [{ name: 'web', count: 5 }],
          patches: [
            {
              target: { kind: 'ConfigMap', name: 'settings' },
              patch: '- op: add\n  path: /data/patched\n  value: "yes"\n',
            },
          ],
          components: ['../../components/extra'],
        },
      },
    };
    const out = await render(sandbox, app);
    const [web] = byKind(out.objects, 'Deployment');
    expect(web?.metadata).toMatchObject({
      name: 'p-web-s',
      namespace: 'prod-ns',
      labels: { env: 'prod', app: 'web' },
      annotations: { owner: 'team-a' },
    });
    expect(web?.spec).toMatchObject({
      replicas: 5,
      selector: { matchLabels: { env: 'prod' } },
      template: { spec: { containers: [{ image: 'registry.local/nginx:1.27' }] } },
    });
    const settings = byKind(out.objects, 'ConfigMap').find((o) => o.metadata.name === 'p-settings-s');
    expect(settings?.data).toEqual({ k: 'v', patched: 'yes' });
    expect(out.objects.some((o) => o.metadata.name === 'p-extra-s')).toBe(true);
  });

  it('leaves the checkout untouched when applying overrides', async () => {
    const { readFileSync } = await import('node:fs');
    const before = readFileSync(`${sandbox.root}/base/kustomization.yaml`, 'utf8');
    await render(sandbox, { ...WEB, source: { path: 'base', kustomize: { namePrefix: 'x-' } } });
    expect(readFileSync(`${sandbox.root}/base/kustomization.yaml`, 'utf8')).toBe(before);
  });
});

describe('renderApplication: kustomize safety', () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = createSandbox({
      'remote/kustomization.yaml': 'resources:\n  - https://github.com/acme/other//base?ref=v1\n',
      'remote-gh/kustomization.yaml': 'resources:\n  - github.com/acme/other/base?ref=main\n',
      'remote-nested/kustomization.yaml': 'resources:\n  - ../remote\n',
      'exec/kustomization.yaml': 'resources:\n  - cm.yaml\ngenerators:\n  - gen.yaml\n',
      'exec/cm.yaml': configMap('a', { k: 'v' }),
      'exec/gen.yaml':
        'apiVersion: example.com/v1\nkind: SecretGen\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./run.sh\n',
      'exec/run.sh': { script: '#!/bin/sh\necho pwned\n' },
      'inline-exec/kustomization.yaml':
        'resources: []\ntransformers:\n  - |\n    apiVersion: acme.io/v1\n    kind: Evil\n    metadata:\n      name: e\n',
      'builtin/kustomization.yaml':
        'resources:\n  - cm.yaml\ntransformers:\n  - |\n    apiVersion: builtin\n    kind: PrefixSuffixTransformer\n    metadata:\n      name: p\n    prefix: b-\n    fieldSpecs:\n      - path: metadata/name\n',
      'builtin/cm.yaml': configMap('a', { k: 'v' }),
      'helmcharts/kustomization.yaml': 'helmCharts:\n  - name: x\n    repo: https://charts.example.com\n',
      'escape/kustomization.yaml': 'resources:\n  - ../../outside-base\n',
      'restrictor/kustomization.yaml': 'resources:\n  - ../base-file.yaml\n',
      'base-file.yaml': configMap('outside-dir', { k: 'v' }),
      'broken/kustomization.yaml': 'resources:\n  - missing.yaml\n',
    });
  });
  afterAll(() => sandbox.cleanup());

  it.each(['remote', 'remote-gh', 'remote-nested'])('refuses a remote base (%s)', async (path) => {
    const error = await rejection(render(sandbox, { ...WEB, source: { path } }));
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/remote reference .* is not allowed/);
    expect((error as UnsafeContentError).file).toMatch(/kustomization\.yaml$/);
  });

  it('lets kustomize fetch a remote base that allowedRemotes covers (which fails here: no network)', async () => {
    const error = await rejection(
      render(
        sandbox,
        { ...WEB, source: { path: 'remote' } },
        { allowedRemotes: ['https://github.com/acme/'], timeoutMs: 8000 },
      ),
    );
    expect(error).toBeInstanceOf(RenderError);
    expect(error).not.toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/kustomize build (failed|timed out)/);
  });

  it('refuses exec and external plugins, in files or inline', async () => {
    for (const path of ['exec', 'inline-exec']) {
      const error = await rejection(render(sandbox, { ...WEB, source: { path } }));
      expect(error).toBeInstanceOf(UnsafeContentError);
      expect(error.message).toMatch(/plugins are not allowed/);
      expect(error.message).not.toContain('pwned');
    }
  });

  it('allows builtin transformer configs', async () => {
    const out = await render(sandbox, { ...WEB, source: { path: 'builtin' } });
    expect(out.objects.map((o) => o.metadata.name)).toEqual(['b-a']);
  });

  it('refuses helmCharts (would need --enable-helm)', async () => {
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'helmcharts' } }));
    expect(error).toBeInstanceOf(UnsupportedSourceError);
  });

  it('refuses a base outside the repository', async () => {
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'escape' } }));
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toContain('leaves the repository');
  });

  it("keeps kustomize's load restrictor on", async () => {
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'restrictor' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/kustomize build failed: .*(not in or below|security)/s);
  });

  it("reports kustomize's error with the kustomization file and repository paths only", async () => {
    const error = await rejection(render(sandbox, { ...WEB, source: { path: 'broken' } }));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toMatch(/^application web: source path broken: kustomize build failed: /);
    expect(error.message).toContain('missing.yaml');
    expect(error.message).not.toContain('mergeplane-render-');
    expect(error.message).not.toContain(sandbox.root);
    expect((error as RenderError).file).toBe('broken/kustomization.yaml');
  });
});
