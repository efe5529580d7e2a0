import { describe, expect, it } from 'vitest';
import { ORIGIN, planRepo } from './conformance-repo.ts';

// Argo CD documentation, "Helm" → "Helm Hooks": Helm hooks are mapped onto Argo CD hooks, except
// `helm.sh/hook: test-success` / `test-failure` (and Helm 3's `test`), which Argo CD does not run or apply.
// A `helm create` chart ships such a test Pod in templates/tests/.
const APP = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  destination: { server: https://kubernetes.default.svc, namespace: web }
  source: { repoURL: ${ORIGIN}, targetRevision: HEAD, path: chart }
`;

const chart = (port: number, testImage: string) => ({
  'apps/web.yaml': APP,
  'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'chart/values.yaml': `port: ${port}\n`,
  'chart/templates/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: {{ .Values.port }}\n',
  'chart/templates/tests/test-connection.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: web-test-connection
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers:
    - name: wget
      image: ${testImage}
      args: ['web:{{ .Values.port }}']
`,
});

describe('conformance: hooks Argo CD does not apply', () => {
  it('leaves out a manifest marked argocd.argoproj.io/hook: Skip, and applies a test hook Argo CD maps to PostSync', async () => {
    const base = chart(80, 'busybox:1.36');
    const head = {
      ...chart(8080, 'busybox:1.36'),
      'chart/templates/skipped.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n  annotations:\n    argocd.argoproj.io/hook: Skip\n',
      'chart/templates/tests/test-connection.yaml': (
        base['chart/templates/tests/test-connection.yaml'] ?? ''
      ).replace('helm.sh/hook: test', 'helm.sh/hook: test\n    argocd.argoproj.io/hook: PostSync'),
    };
    const web = (await planRepo(base, head)).apps.find((a) => a.name === 'web');
    expect(web?.resources?.map((r) => `${r.action} ${r.kind}/${r.name}`)).toEqual([
      'create Pod/web-test-connection',
      'update Service/web',
    ]);
    expect(web?.notApplied).toEqual(['ConfigMap web/skipped (argocd.argoproj.io/hook: Skip)']);
    // Argo CD runs it as its PostSync hook, and the plan says so.
    expect(web?.resources?.find((r) => r.kind === 'Pod')?.hook).toBe('PostSync');
    expect(web?.resources?.find((r) => r.kind === 'Service')?.hook).toBeUndefined();
  });

  it('labels Helm hooks with the Argo CD phase they run in (pre-upgrade → PreSync, post-install → PostSync)', async () => {
    const job = (hook: string, image: string) =>
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: ${hook}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: ${image}\n`;
    const base = {
      ...chart(80, 'busybox:1.36'),
      'chart/templates/migrate.yaml': job('pre-install,pre-upgrade', 'migrate:1'),
    };
    const head = {
      ...chart(80, 'busybox:1.36'),
      'chart/templates/migrate.yaml': job('pre-install,pre-upgrade', 'migrate:2'),
    };
    const web = (await planRepo(base, head)).apps.find((a) => a.name === 'web');
    expect(web?.resources?.map((r) => [r.kind, r.hook])).toEqual([['Job', 'PreSync']]);
    const notify = {
      ...chart(80, 'busybox:1.36'),
      'chart/templates/notify.yaml': job('post-install,post-upgrade', 'notify:1').replace(
        'migrate',
        'notify',
      ),
    };
    const added = (await planRepo(chart(80, 'busybox:1.36'), notify)).apps.find((a) => a.name === 'web');
    expect(added?.resources?.map((r) => [r.kind, r.hook])).toEqual([['Job', 'PostSync']]);
  });

  it('does not count a change that only touches a test hook', async () => {
    const report = await planRepo(chart(80, 'busybox:1.36'), chart(80, 'busybox:1.37'));
    expect(report.apps.find((a) => a.name === 'web')?.status).toBe('unchanged');
    expect(report.summary.resources).toEqual({ create: 0, update: 0, delete: 0 });
  });

  it('diffs what Argo CD applies and names the test hook apart', async () => {
    const report = await planRepo(chart(80, 'busybox:1.36'), chart(8080, 'busybox:1.36'));
    const web = report.apps.find((a) => a.name === 'web');
    expect(web?.status).toBe('changed');
    expect(web?.resources?.map((r) => `${r.kind}/${r.name}`)).toEqual(['Service/web']);
    expect(web?.notApplied).toEqual(['Pod web/web-test-connection (helm.sh/hook: test)']);
  });
});
