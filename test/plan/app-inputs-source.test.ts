import { afterEach, describe, expect, it } from 'vitest';
import { openCommitTrees } from '../../src/git/git-objects.ts';
import { parseApplication } from '../../src/gitops/application.ts';
import { PlanCaches } from '../../src/model/plan-caches.ts';
import { YamlCache } from '../../src/model/yaml-cache.ts';
import { createInputsSource } from '../../src/plan/app-inputs-source.ts';
import { createGitFixture } from '../support/git-fixture.ts';

const ORIGIN = 'https://github.com/acme/gitops.git';
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('createInputsSource', () => {
  it('reuses an app’s inputs from another revision only while every path they were read from is the same', async () => {
    const repo = createGitFixture({ origin: ORIGIN });
    cleanups.push(() => repo.cleanup());
    const before = repo.commit({
      'overlays/a/kustomization.yaml': 'resources: [../../base]\n',
      'base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'base/cm.yaml': 'kind: ConfigMap\n',
    });
    const unrelated = repo.commit({ 'other/x.yaml': 'x: 1\n' });
    const reads = repo.commit({
      'overlays/a/kustomization.yaml': 'resources: [../../base, extra.yaml]\n',
      'overlays/a/extra.yaml': 'kind: Secret\n',
    });
    const relinked = repo.commit({
      'base/kustomization.yaml': null,
      'base/cm.yaml': null,
      'overlays/a/kustomization.yaml': 'resources: [../../shared]\n',
      shared: { symlink: 'common' },
      'common/kustomization.yaml': 'resources: []\n',
    });
    const caches = new PlanCaches();
    const trees = openCommitTrees(repo.dir, caches);
    cleanups.push(() => trees.close());
    const app = parseApplication(
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'a', namespace: 'argocd' },
        spec: {
          source: { repoURL: ORIGIN, path: 'overlays/a', targetRevision: 'main' },
          destination: { namespace: 'a' },
        },
      },
      { origin: 'apps/a.yaml' },
    );
    const inputsAt = async (sha: string) => {
      const source = createInputsSource({ isLocal: () => true, yamlCache: new YamlCache(), caches });
      return (await source(await trees.tree(sha), app)).inputs;
    };
    const kustomizations = ['base/cm.yaml', 'base/kustomization.yaml', 'overlays/a/kustomization.yaml'];
    expect((await inputsAt(before)).files).toEqual(kustomizations);
    expect((await inputsAt(unrelated)).files).toEqual(kustomizations);
    expect((await inputsAt(reads)).files).toEqual([...kustomizations, 'overlays/a/extra.yaml'].sort());
    expect((await inputsAt(before)).files).toEqual(kustomizations);
    expect(await inputsAt(relinked)).toEqual({
      files: ['common/kustomization.yaml', 'overlays/a/kustomization.yaml'],
      dirs: ['common', 'overlays/a', 'shared'],
    });
    expect(caches.derivedCache('app-inputs').size).toBe(1);
  });
});
