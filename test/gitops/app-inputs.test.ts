import { describe, expect, it } from 'vitest';
import { collectAppInputs } from '../../src/gitops/app-inputs.ts';
import { type Application, parseApplication } from '../../src/gitops/application.ts';
import { createRepoMatcher } from '../../src/gitops/repo-url.ts';
import { tempTrees } from '../support/temp-tree.ts';

const THIS = 'https://github.com/acme/gitops.git';
const isThisRepo = createRepoMatcher([THIS]);
const isLocal = (source: { repoURL: string }) => isThisRepo(source.repoURL);
const tree = tempTrees('inputs');

function app(spec: Record<string, unknown>, annotations: Record<string, string> = {}): Application {
  return parseApplication(
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'web', annotations }, spec },
    { origin: 'apps/web.yaml' },
  );
}

describe('collectAppInputs', () => {
  it('follows Helm value files ($ref, relative, absolute), file parameters and file:// dependencies', async () => {
    const root = tree({
      'charts/web/Chart.yaml': `apiVersion: v2
name: web
version: 1.0.0
dependencies:
  - { name: common, version: 1.0.0, repository: "file://../common" }
  - { name: redis, version: 1.0.0, repository: https://charts.example.com }
  - { name: escape, version: 1.0.0, repository: "file://../../../outside" }
`,
      'charts/web/values-prod.yaml': 'a: 1\n',
      'charts/common/Chart.yaml':
        'apiVersion: v2\nname: common\nversion: 1.0.0\ndependencies:\n  - { name: lib, repository: "file://../lib" }\n',
      'charts/lib/Chart.yaml':
        'apiVersion: v2\nname: lib\nversion: 1.0.0\ndependencies:\n  - { name: common, repository: "file://../common" }\n',
      'envs/prod/web.yaml': 'b: 1\n',
      'shared/values.yaml': 'c: 1\n',
      'global/values.yaml': 'd: 1\n',
      'certs/ca.pem': 'pem\n',
      'unrelated/values.yaml': 'x: 1\n',
    });
    const inputs = await collectAppInputs(
      app({
        sources: [
          {
            repoURL: THIS,
            path: 'charts/web',
            helm: {
              valueFiles: [
                'values-prod.yaml',
                '$values/envs/prod/web.yaml',
                '../../shared/values.yaml',
                '/global/values.yaml',
                'https://example.com/values.yaml',
                '$other/values.yaml',
                '../../../etc/passwd',
              ],
              fileParameters: [{ name: 'ca', path: '../../certs/ca.pem' }],
            },
          },
          { repoURL: 'git@github.com:acme/gitops', ref: 'values', targetRevision: 'main' },
          { repoURL: 'https://github.com/acme/other', ref: 'other' },
        ],
      }),
      root,
      { isLocal },
    );
    expect(inputs).toEqual({
      files: [
        'certs/ca.pem',
        'charts/web/values-prod.yaml',
        'envs/prod/web.yaml',
        'global/values.yaml',
        'shared/values.yaml',
      ],
      dirs: ['charts/common', 'charts/lib', 'charts/web'],
    });
  });

  it('follows a kustomize overlay to a base outside the app path, components, patches and generator files', async () => {
    const root = tree({
      'apps/web/overlays/prod/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../../bases/web
  - https://github.com/acme/remote//deploy?ref=v1
  - github.com/acme/remote//base?ref=main
  - ../../../../../escape
  - extra.yaml
components:
  - ../../../../components/monitoring
patches:
  - path: patch-replicas.yaml
  - patch: |-
      - op: add
        path: /x
        value: 1
patchesStrategicMerge:
  - sm.yaml
  - |-
    apiVersion: apps/v1
    kind: Deployment
patchesJson6902:
  - path: ../../../../patches/json.yaml
configMapGenerator:
  - name: config
    files:
      - config.json
      - app.properties=../../../../config/app.properties
    envs: [../../../../config/prod.env]
secretGenerator:
  - name: legacy
    env: legacy.env
replacements:
  - path: ../../../../replacements/image.yaml
openapi:
  path: ../../../../schemas/openapi.json
crds: [../../../../crds/crd.yaml]
`,
      'apps/web/overlays/prod/extra.yaml': 'kind: ConfigMap\n',
      'apps/web/overlays/prod/patch-replicas.yaml': 'kind: Deployment\n',
      'apps/web/overlays/prod/sm.yaml': 'kind: Deployment\n',
      'apps/web/overlays/prod/config.json': '{}',
      'bases/web/kustomization.yml': 'resources: [deploy.yaml, ../shared]\n',
      'bases/web/deploy.yaml': 'kind: Deployment\n',
      'bases/shared/Kustomization': 'resources: [sa.yaml]\n',
      'bases/shared/sa.yaml': 'kind: ServiceAccount\n',
      'components/monitoring/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: ../../patches/monitor.yaml\n',
      'components/extra/kustomization.yaml': 'kind: Component\nresources: [cm.yaml]\n',
      'components/extra/cm.yaml': 'kind: ConfigMap\n',
      'patches/monitor.yaml': 'kind: Deployment\n',
      'patches/json.yaml': '[]\n',
      'patches/unused.yaml': '[]\n',
      'config/app.properties': 'a=1\n',
      'config/prod.env': 'A=1\n',
      'replacements/image.yaml': '[]\n',
      'schemas/openapi.json': '{}',
      'crds/crd.yaml': 'kind: CustomResourceDefinition\n',
    });
    const inputs = await collectAppInputs(
      app({
        source: {
          repoURL: THIS,
          path: 'apps/web/overlays/prod',
          kustomize: { components: ['../../../../components/extra'] },
        },
      }),
      root,
      { isLocal },
    );
    expect(inputs.dirs).toEqual([
      'apps/web/overlays/prod',
      'bases/shared',
      'bases/web',
      'components/extra',
      'components/monitoring',
    ]);
    expect(inputs.files).toEqual([
      'apps/web/overlays/prod/config.json',
      'apps/web/overlays/prod/extra.yaml',
      'apps/web/overlays/prod/kustomization.yaml',
      'apps/web/overlays/prod/legacy.env',
      'apps/web/overlays/prod/patch-replicas.yaml',
      'apps/web/overlays/prod/sm.yaml',
      'bases/shared/Kustomization',
      'bases/shared/sa.yaml',
      'bases/web/deploy.yaml',
      'bases/web/kustomization.yml',
      'components/extra/cm.yaml',
      'components/extra/kustomization.yaml',
      'components/monitoring/kustomization.yaml',
      'config/app.properties',
      'config/prod.env',
      'crds/crd.yaml',
      'patches/json.yaml',
      'patches/monitor.yaml',
      'replacements/image.yaml',
      'schemas/openapi.json',
    ]);
    expect(inputs.generatePaths).toBeUndefined();
  });

  it('resolves manifest-generate-paths against the source path and the repository root', async () => {
    const root = tree({ 'apps/web/deploy.yaml': 'kind: Deployment\n' });
    const inputs = await collectAppInputs(
      app(
        { source: { repoURL: THIS, path: 'apps/web' } },
        { 'argocd.argoproj.io/manifest-generate-paths': '.; ../shared ;/crds;;*.yaml;../../../escape' },
      ),
      root,
      { isLocal },
    );
    expect(inputs).toEqual({
      files: [],
      dirs: ['apps/web'],
      generatePaths: ['apps/shared', 'apps/web', 'apps/web/*.yaml', 'crds'],
    });
  });

  it('expands globbed value files and keeps the pattern as a trigger', async () => {
    const root = tree({
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'values/prod/a.yaml': 'a: 1\n',
      'values/prod/b.yaml': 'b: 1\n',
      'values/prod/notes.txt': 'x\n',
    });
    const inputs = await collectAppInputs(
      app({
        source: { repoURL: THIS, path: 'charts/web', helm: { valueFiles: ['../../values/prod/*.yaml'] } },
      }),
      root,
      { isLocal },
    );
    expect(inputs).toEqual({
      files: ['values/prod/a.yaml', 'values/prod/b.yaml'],
      dirs: ['charts/web'],
      generatePaths: ['values/prod/*.yaml'],
    });
  });

  it('includes what symlinks in the source tree point to inside the repository', async () => {
    const root = tree({
      'charts/common/templates/_helpers.tpl': '{{- define "x" }}{{ end }}\n',
      'apps/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'apps/web/charts/common': { symlink: '../../../charts/common' },
      'apps/web/values.yaml': { symlink: '../../shared/values.yaml' },
      'apps/web/passwd': { symlink: '/etc/passwd' },
      'shared/values.yaml': 'a: 1\n',
    });
    const inputs = await collectAppInputs(app({ source: { repoURL: THIS, path: 'apps/web' } }), root, {
      isLocal,
    });
    expect(inputs).toEqual({ files: ['shared/values.yaml'], dirs: ['apps/web', 'charts/common'] });
  });

  it('ignores sources from other repositories and paths that leave the repository', async () => {
    const root = tree({ 'apps/web/a.yaml': 'kind: ConfigMap\n' });
    const inputs = await collectAppInputs(
      app({
        sources: [
          { repoURL: 'https://github.com/acme/other', path: 'apps/web' },
          { repoURL: THIS, path: '../outside' },
          { repoURL: THIS, path: './apps/web/' },
        ],
      }),
      root,
      { isLocal },
    );
    expect(inputs).toEqual({ files: [], dirs: ['apps/web'] });
  });
});
