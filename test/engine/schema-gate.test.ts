import { afterEach, describe, expect, it } from 'vitest';
import { planChange } from '../../src/engine/plan-change.ts';
import type { PlanReport } from '../../src/model/plan-report.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

const ORIGIN = 'https://github.com/acme/gitops.git';

function application(name: string, server = 'https://kubernetes.default.svc'): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  project: default
  destination: {server: ${server}, namespace: ${name}}
  source: {repoURL: https://github.com/acme/gitops, targetRevision: main, path: apps/${name}}
`;
}

/** A Deployment whose line numbers the test relies on: `replicas` on line 6, `imagePullPolicy` on line 16. */
function deployment(o: { replicasKey?: string; pullPolicy?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  ${o.replicasKey ?? 'replicas'}: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: ${o.pullPolicy ?? 'IfNotPresent'}
`;
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.io}
spec:
  group: example.io
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: string, enum: [small, large]}
`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fixture(): GitFixture {
  const repo = createGitFixture({ origin: ORIGIN });
  cleanups.push(() => repo.cleanup());
  return repo;
}

const manifestGates = (report: PlanReport) => report.gates.filter((g) => g.id === 'manifests');

describe('the manifests gate validates rendered objects against their schemas', () => {
  it('fails a change with two typos, naming app, object, field path, file and line', async () => {
    const repo = fixture();
    repo.commit({
      'argocd/web.yaml': application('web'),
      'apps/web/deployment.yaml': deployment(),
      'crds/widget.yaml': CRD,
      'apps/web/widget.yaml':
        'apiVersion: example.io/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: small}\n',
    });
    repo.commit({
      'apps/web/deployment.yaml': deployment({ replicasKey: 'replica', pullPolicy: 'Sometimes' }),
      'apps/web/widget.yaml':
        'apiVersion: example.io/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: huge}\n',
    });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(manifestGates(report)).toEqual([
      {
        id: 'manifests',
        status: 'fail',
        app: 'web',
        file: 'apps/web/deployment.yaml',
        // The first error's field: imagePullPolicy (the enum check reports before the unknown-field walk).
        line: 16,
        message:
          'web: Deployment web/web: spec.template.spec.containers[0].imagePullPolicy: unsupported value "Sometimes": ' +
          'must be one of "Always", "IfNotPresent", "Never"; spec.replica: unknown field "replica"',
      },
      {
        id: 'manifests',
        status: 'fail',
        app: 'web',
        file: 'apps/web/widget.yaml',
        line: 4,
        message: 'web: Widget web/w: spec.size: unsupported value "huge": must be one of "small", "large"',
      },
    ]);
  });

  it('does not fail an error the base already had, and names kinds it cannot validate', async () => {
    const repo = fixture();
    const broken = deployment({ replicasKey: 'replica' });
    repo.commit({ 'argocd/web.yaml': application('web'), 'apps/web/deployment.yaml': broken });
    repo.commit({
      'apps/web/deployment.yaml': broken.replace('nginx:1.27', 'nginx:1.28'),
      'apps/web/monitor.yaml':
        'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: web}\nspec: {endpoints: []}\n',
    });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(manifestGates(report)).toEqual([expect.objectContaining({ status: 'pass' })]);
    expect(report.apps.find((a) => a.name === 'web')?.notValidated).toEqual([
      'ServiceMonitor (monitoring.coreos.com/v1)',
    ]);
  });

  it('refuses an apiVersion the destination cluster version no longer serves', async () => {
    const repo = fixture();
    const cronJob = (apiVersion: string) =>
      `apiVersion: ${apiVersion}\nkind: CronJob\nmetadata: {name: report}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: r, image: busybox}]\n`;
    repo.commit({
      '.github/mergeplane.yml':
        'clusters:\n  - {name: legacy, server: https://legacy.example.com, kubeVersion: "1.24"}\nvalidation: {kubeVersion: "1.30"}\n',
      'argocd/current.yaml': application('current'),
      'argocd/legacy.yaml': application('legacy', 'https://legacy.example.com'),
      'apps/current/cronjob.yaml': cronJob('batch/v1'),
      'apps/legacy/cronjob.yaml': cronJob('batch/v1'),
    });
    repo.commit({
      'apps/current/cronjob.yaml': cronJob('batch/v1beta1'),
      'apps/legacy/cronjob.yaml': cronJob('batch/v1beta1'),
    });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(manifestGates(report)).toEqual([
      {
        id: 'manifests',
        status: 'fail',
        app: 'current',
        file: 'apps/current/cronjob.yaml',
        line: 1,
        message:
          'current: CronJob current/report: apiVersion: batch/v1beta1 CronJob was removed in Kubernetes 1.25; ' +
          'use batch/v1 (target cluster: Kubernetes 1.30)',
      },
    ]);
  });
});
