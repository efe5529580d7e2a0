import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { planChange } from '../../src/engine/plan-change.ts';
import type { AppReport, PlanReport } from '../../src/model/plan-report.ts';
import { createGitFixture, type GitFixture, type TreeSpec } from '../support/git-fixture.ts';
import { CHART_DIR } from './chart-template.ts';

const ORIGIN = 'https://github.com/acme/platform.git';

/** The chart's files under `prefix`, as they are in this repository. */
function chartTree(prefix: string): TreeSpec {
  const tree: TreeSpec = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else tree[`${prefix}/${relative(CHART_DIR, path)}`] = readFileSync(path, 'utf8');
    }
  };
  walk(CHART_DIR);
  return tree;
}

/** The Argo CD Application that installs the chart from the repository, with `values` (helm.valuesObject). */
function application(values: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'mergeplane', namespace: 'argocd' },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace: 'mergeplane' },
      source: {
        repoURL: 'https://github.com/acme/platform',
        targetRevision: 'main',
        path: 'charts/mergeplane',
        helm: { valuesObject: values },
      },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    },
  });
}

const values = (replicas: number) => ({
  redis: { existingSecret: 'mergeplane-redis', secretKeys: { url: 'redis-url' } },
  worker: { replicas },
});

/**
 * Mergeplane plans a pull request against a repository that deploys Mergeplane with this chart: the head scales
 * the workers. Argo CD renders the chart with the Application's name as release name and its destination
 * namespace, so the objects are the chart's `mergeplane-*`; only the worker Deployment's `spec.replicas` moves.
 */
describe('Mergeplane planning a change to its own chart', () => {
  let repo: GitFixture;
  let report: PlanReport;

  beforeAll(async () => {
    repo = createGitFixture({ origin: ORIGIN });
    repo.commit(
      { ...chartTree('charts/mergeplane'), 'apps/mergeplane.yaml': application(values(2)) },
      'base',
    );
    repo.git('checkout', '-q', '-b', 'scale-workers');
    repo.commit({ 'apps/mergeplane.yaml': application(values(3)) }, 'scale the workers');
    report = await planChange({ repoDir: repo.dir, base: 'main', head: 'scale-workers', cacheDir: false });
  });
  afterAll(() => repo.cleanup());

  it('shows the worker Deployment updated from 2 to 3 replicas, and nothing else', () => {
    expect(report.apps.map((a) => `${a.name}: ${a.status}`)).toEqual(['mergeplane: changed']);
    const app = report.apps[0] as AppReport;
    expect(app.sourceType).toBe('helm');
    expect(app.error).toBeUndefined();
    expect(app.resources?.map((r) => `${r.action} ${r.group}/${r.kind} ${r.namespace}/${r.name}`)).toEqual([
      'update apps/Deployment mergeplane/mergeplane-worker',
    ]);
    const [change] = app.resources!;
    expect(change!.diff).toMatch(/^-\s+replicas: 2$/m);
    expect(change!.diff).toMatch(/^\+\s+replicas: 3$/m);
    expect(app.lines).toEqual({ added: 1, removed: 1 });
  });

  it('validates every object of the chart (nothing the schema gate could not check)', () => {
    const app = report.apps[0] as AppReport;
    expect(app.notValidated).toBeUndefined();
    expect(report.gates.find((g) => g.id === 'manifests')?.status).toBe('pass');
    expect(report.gates.filter((g) => g.status !== 'pass').map((g) => `${g.id}: ${g.message}`)).toEqual([]);
  });
});
