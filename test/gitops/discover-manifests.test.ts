import { describe, expect, it } from 'vitest';
import { type Discovery, discoverManifests } from '../../src/gitops/discover-manifests.ts';
import { tempTrees } from '../support/temp-tree.ts';

const tree = tempTrees('discover');

const DEFAULTS = { include: ['**/*.yaml', '**/*.yml', '**/*.json'], exclude: [] };

function app(name: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
spec:
  source: { repoURL: https://github.com/acme/gitops, path: apps/${name} }
`;
}

function summary(discovery: Discovery) {
  const names = (found: Discovery['applications']) =>
    found.map((f) => `${f.file}:${f.line}:${(f.object.metadata as { name: string }).name}`);
  return {
    applications: names(discovery.applications),
    applicationSets: names(discovery.applicationSets),
    clusterSecrets: names(discovery.clusterSecrets),
    parseErrors: discovery.parseErrors,
  };
}

describe('discoverManifests', () => {
  it('finds Applications, ApplicationSets and cluster Secrets across multi-docs, Lists and JSON', async () => {
    const root = tree({
      'apps/b.yaml': `${app('b1')}---\n# comment only\n---\n${app('b2')}`,
      'apps/a.yml': app('a'),
      'apps/list.yaml': `apiVersion: v1
kind: List
items:
  - apiVersion: argoproj.io/v1alpha1
    kind: ApplicationSet
    metadata: { name: set }
    spec: {}
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: not-argo, annotations: { note: argoproj.io } }
`,
      'apps/c.json': JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'c' },
        spec: {},
      }),
      'clusters/prod.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: prod
  labels:
    argocd.argoproj.io/secret-type: cluster
stringData: { server: https://prod.example.com }
---
apiVersion: v1
kind: Secret
metadata:
  name: repo-creds
  labels:
    argocd.argoproj.io/secret-type: repository
`,
      '.argocd/hidden.yaml': app('hidden'),
      'README.md': app('markdown'),
      'plain.yaml': 'kind: ConfigMap\n',
    });
    expect(summary(await discoverManifests(root, DEFAULTS))).toEqual({
      applications: [
        '.argocd/hidden.yaml:1:hidden',
        'apps/a.yml:1:a',
        'apps/b.yaml:1:b1',
        'apps/b.yaml:10:b2',
        'apps/c.json:1:c',
      ],
      applicationSets: ['apps/list.yaml:4:set'],
      clusterSecrets: ['clusters/prod.yaml:1:prod'],
      parseErrors: [],
    });
  });

  it('skips chart templates, .git, node_modules, symlinks and templated files that do not parse', async () => {
    const root = tree({
      'charts/root/Chart.yaml': 'apiVersion: v2\nname: root\nversion: 0.1.0\n',
      'charts/root/templates/app.yaml': app('templated'),
      'charts/root/charts/sub/templates/app.yaml': app('sub-templated'),
      'charts/root/values.yaml': app('values-file-looks-like-app'),
      'templates/not-a-chart.yaml': app('plain-templates-dir'),
      '.git/objects/app.yaml': app('git'),
      'node_modules/pkg/app.yaml': app('node'),
      'linked-dir': { symlink: 'templates' },
      'linked-file.yaml': { symlink: 'templates/not-a-chart.yaml' },
      'other/tpl.yaml':
        'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{ .Values.meta }}: x\n  bad: [\n',
    });
    expect(summary(await discoverManifests(root, DEFAULTS))).toEqual({
      applications: [
        'charts/root/values.yaml:1:values-file-looks-like-app',
        'templates/not-a-chart.yaml:1:plain-templates-dir',
      ],
      applicationSets: [],
      clusterSecrets: [],
      parseErrors: [],
    });
  });

  it('reports other parse errors with file and line, and keeps the rest', async () => {
    const root = tree({
      'apps/broken.yaml': `${app('ok-before')}---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: [unclosed\n`,
      'apps/good.yaml': app('good'),
      'apps/ignored-broken.yaml': 'no: [argo mention\n',
    });
    const discovery = await discoverManifests(root, DEFAULTS);
    expect(summary(discovery).applications).toEqual(['apps/good.yaml:1:good']);
    expect(discovery.parseErrors).toHaveLength(1);
    expect(discovery.parseErrors[0]).toMatchObject({ file: 'apps/broken.yaml', line: expect.any(Number) });
    expect(discovery.parseErrors[0]?.message).toMatch(/line \d+/);
  });

  it('applies include and exclude globs to repository-relative paths', async () => {
    const root = tree({
      'apps/a.yaml': app('a'),
      'apps/test/t.yaml': app('t'),
      'other/o.yaml': app('o'),
      '.hidden/h.yaml': app('h'),
    });
    const discovery = await discoverManifests(root, {
      include: ['apps/**', '.hidden/*.yaml'],
      exclude: ['**/test/**'],
    });
    expect(summary(discovery).applications).toEqual(['.hidden/h.yaml:1:h', 'apps/a.yaml:1:a']);
  });
});
