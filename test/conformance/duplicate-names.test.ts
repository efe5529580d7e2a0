import { describe, expect, it } from 'vitest';
import { configMap, ORIGIN, planRepo } from './conformance-repo.ts';

// Argo CD keys Applications by namespace and name (they are Kubernetes objects): two definitions of
// `argocd/app1` are one object, and whichever is applied last wins — the other's change is lost.
const app = (name: string, path: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  destination: { server: https://kubernetes.default.svc, namespace: ${path} }
  source: { repoURL: ${ORIGIN}, targetRevision: HEAD, path: ${path} }
`;

const listSet = (name: string, apps: string[], path: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
  namespace: argocd
spec:
  generators:
    - list:
        elements:
${apps.map((a) => `          - app: ${a}`).join('\n')}
  template:
    metadata:
      name: '{{app}}'
    spec:
      project: default
      destination: { server: https://kubernetes.default.svc, namespace: '{{app}}' }
      source: { repoURL: ${ORIGIN}, targetRevision: HEAD, path: ${path} }
`;

const BASE = { 'one/cm.yaml': configMap('one', 'a'), 'two/cm.yaml': configMap('two', 'a') };

describe('conformance: Application names are unique per namespace', () => {
  it('fails the plan naming every origin when two ApplicationSets generate the same app differently', async () => {
    const report = await planRepo(BASE, {
      'sets/a.yaml': listSet('set-a', ['app1', 'app2'], 'one'),
      'sets/b.yaml': listSet('set-b', ['app1', 'app2'], 'two'),
    });
    for (const name of ['app1', 'app2']) {
      const entry = report.apps.find((a) => a.name === name);
      expect(entry?.status).toBe('error');
      expect(entry?.error).toContain('applicationset:set-a');
      expect(entry?.error).toContain('applicationset:set-b');
    }
    expect(
      report.gates
        .filter((g) => g.id === 'render' && g.status === 'fail')
        .map((g) => g.app)
        .sort(),
    ).toEqual(['app1', 'app2']);
  });

  it('fails when a file and an ApplicationSet define the same app differently', async () => {
    const report = await planRepo(BASE, {
      'apps/app1.yaml': app('app1', 'one'),
      'sets/b.yaml': listSet('set-b', ['app1'], 'two'),
    });
    const entry = report.apps.find((a) => a.name === 'app1');
    expect(entry?.error).toMatch(/apps\/app1\.yaml.*applicationset:set-b/);
  });

  it('accepts the same definition twice (an app-of-apps parent listing its own file)', async () => {
    const report = await planRepo(BASE, {
      'apps/app1.yaml': app('app1', 'one'),
      'copies/app1.yaml': app('app1', 'one'),
    });
    expect(report.apps.filter((a) => a.name === 'app1').map((a) => a.status)).toEqual(['added']);
  });
});
