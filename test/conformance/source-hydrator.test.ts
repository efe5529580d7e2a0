import { describe, expect, it } from 'vitest';
import { configMap, ORIGIN, planRepo } from './conformance-repo.ts';

// Argo CD's source hydrator (docs: user-guide/source-hydrator): an Application with `spec.sourceHydrator`
// (drySource + syncSource) and no `spec.source`; Argo CD renders the dry source and commits the result to
// the sync branch with its commit server, then deploys that commit. Offline there is no such commit.
const HYDRATED = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: hydrated
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: web
  sourceHydrator:
    drySource:
      repoURL: ${ORIGIN}
      targetRevision: HEAD
      path: web
    syncSource:
      targetBranch: environments/dev
      path: web
`;

describe('conformance: spec.sourceHydrator', () => {
  it('names the app as not renderable offline and asks for approval instead of failing the render gate', async () => {
    const report = await planRepo(
      { 'web/cm.yaml': configMap('web', 'a') },
      { 'apps/hydrated.yaml': HYDRATED },
    );
    const app = report.apps.find((a) => a.name === 'hydrated');
    expect(app?.status).toBe('error');
    expect(app?.error).toContain('spec.sourceHydrator');
    expect(report.gates.find((g) => g.id === 'unsupported')).toMatchObject({
      status: 'needs-approval',
      app: 'hydrated',
    });
    expect(report.gates.find((g) => g.id === 'render')?.status).toBe('pass');
  });
});
