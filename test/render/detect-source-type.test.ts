import { afterEach, describe, expect, it } from 'vitest';
import type { ApplicationSource } from '../../src/gitops/application.ts';
import { detectSourceType } from '../../src/render/detect-source-type.ts';
import { createSandbox, REPO_URL, type Sandbox, type Tree } from './render-fixture.ts';

const CHART = 'apiVersion: v2\nname: x\nversion: 0.1.0\n';
const KUSTOMIZATION = 'resources: []\n';

describe('detectSourceType', () => {
  let sandbox: Sandbox | undefined;
  afterEach(() => sandbox?.cleanup());

  const cases: { name: string; tree: Tree; source: Partial<ApplicationSource>; expected: string }[] = [
    { name: 'Chart.yaml', tree: { 'app/Chart.yaml': CHART }, source: {}, expected: 'helm' },
    {
      name: 'kustomization.yaml',
      tree: { 'app/kustomization.yaml': KUSTOMIZATION },
      source: {},
      expected: 'kustomize',
    },
    {
      name: 'kustomization.yml',
      tree: { 'app/kustomization.yml': KUSTOMIZATION },
      source: {},
      expected: 'kustomize',
    },
    {
      name: 'Kustomization',
      tree: { 'app/Kustomization': KUSTOMIZATION },
      source: {},
      expected: 'kustomize',
    },
    {
      name: 'plain manifests',
      tree: { 'app/cm.yaml': 'kind: ConfigMap\n' },
      source: {},
      expected: 'directory',
    },
    {
      // Argo CD walks the files in lexical order and the kustomization, coming after Chart.yaml, wins.
      name: 'both Chart.yaml and kustomization.yaml',
      tree: { 'app/Chart.yaml': CHART, 'app/kustomization.yaml': KUSTOMIZATION },
      source: {},
      expected: 'kustomize',
    },
    {
      name: 'a Chart.yaml only in a subdirectory',
      tree: { 'app/sub/Chart.yaml': CHART },
      source: {},
      expected: 'directory',
    },
    {
      name: 'an explicit helm block over a kustomization',
      tree: { 'app/kustomization.yaml': KUSTOMIZATION },
      source: { helm: { releaseName: 'r' } },
      expected: 'helm',
    },
    {
      name: 'an explicit kustomize block over a Chart.yaml',
      tree: { 'app/Chart.yaml': CHART },
      source: { kustomize: { namePrefix: 'x-' } },
      expected: 'kustomize',
    },
    {
      name: 'an explicit directory block over a Chart.yaml',
      tree: { 'app/Chart.yaml': CHART },
      source: { directory: { recurse: true } },
      expected: 'directory',
    },
    {
      name: 'a plugin block over everything',
      tree: { 'app/Chart.yaml': CHART },
      source: { plugin: { name: 'cmp' }, helm: {} },
      expected: 'plugin',
    },
  ];

  it.each(cases)('$name → $expected', ({ tree, source, expected }) => {
    sandbox = createSandbox(tree);
    expect(detectSourceType({ repoURL: REPO_URL, path: 'app', ...source }, sandbox.root)).toBe(expected);
  });

  it('treats a chart from a Helm repository (no path) as helm', () => {
    sandbox = createSandbox();
    expect(detectSourceType({ repoURL: 'https://charts.example.com', chart: 'nginx' }, sandbox.root)).toBe(
      'helm',
    );
  });

  it('ignores an empty tool block, as Argo CD does', () => {
    sandbox = createSandbox({ 'app/Chart.yaml': CHART });
    expect(detectSourceType({ repoURL: REPO_URL, path: 'app', kustomize: {} }, sandbox.root)).toBe('helm');
  });

  it('uses the repository root when the path is empty', () => {
    sandbox = createSandbox({ 'Chart.yaml': CHART });
    expect(detectSourceType({ repoURL: REPO_URL, path: '' }, sandbox.root)).toBe('helm');
  });
});
