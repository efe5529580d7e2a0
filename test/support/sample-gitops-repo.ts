import type { TreeSpec } from './git-fixture.ts';

export const SAMPLE_ORIGIN = 'https://github.com/acme/gitops.git';

function application(name: string, source: string, extra = ''): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
  source:
    repoURL: https://github.com/acme/gitops
    targetRevision: main
${source
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
${extra}`;
}

function deployment(name: string, image: string, replicas = 1): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;
}

/** A small GitOps repository with one app of every source type, an ApplicationSet and an app-of-apps parent. */
export function sampleBaseTree(): TreeSpec {
  return {
    'argocd/plain.yaml': application('plain', 'path: manifests/plain'),
    'argocd/kust.yaml': application('kust', 'path: kustomize/overlays/prod'),
    'argocd/web.yaml': application(
      'web',
      'path: charts/web\nhelm:\n  valueFiles:\n    - values.yaml\n    - ../../values/web-prod.yaml',
      '  ignoreDifferences:\n    - group: apps\n      kind: Deployment\n      jsonPointers: [/spec/replicas]\n',
    ),
    'argocd/external.yaml': application('external', 'path: x').replace(
      'repoURL: https://github.com/acme/gitops',
      'repoURL: https://github.com/someone/else',
    ),
    'argocd/root.yaml': application('root', 'path: children'),
    'argocd/teams.yaml': `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: teams
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - team: red
          - team: blue
  template:
    metadata:
      name: 'team-{{team}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/gitops.git
        targetRevision: HEAD
        path: 'teams/{{team}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: 'team-{{team}}'
`,
    'children/child-a.yaml': application('child-a', 'path: manifests/child-a'),
    'manifests/plain/deployment.yaml': deployment('plain', 'nginx:1.25'),
    'manifests/plain/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: plain-credentials
stringData:
  password: hunter2-base-value
`,
    'manifests/child-a/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: child-a\ndata:\n  k: v\n',
    'manifests/child-b/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: child-b\ndata:\n  k: v\n',
    'kustomize/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
    'kustomize/base/deployment.yaml': deployment('kust', 'registry.example/kust:1.0.0'),
    'kustomize/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\nnamePrefix: prod-\n',
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'charts/web/values.yaml': 'image: nginx:1.25\nreplicas: 1\n',
    'charts/web/templates/deployment.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: {{ .Values.image }}\n',
    'values/web-prod.yaml': 'replicas: 3\n',
    'teams/red/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: red\ndata:\n  color: red\n',
    'teams/blue/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blue\ndata:\n  color: blue\n',
  };
}

/**
 * Head of the sample change: a base file outside the kustomize app path, a values file outside the chart,
 * a Secret value and a Helm replica count (ignored), one child app added, one team's files untouched.
 */
export function sampleHeadChange(): TreeSpec {
  return {
    'kustomize/base/deployment.yaml': deployment('kust', 'registry.example/kust:1.1.0'),
    'values/web-prod.yaml': 'replicas: 5\nimage: nginx:1.27\n',
    'manifests/plain/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: plain-credentials
stringData:
  password: hunter2-head-value
`,
    'children/child-b.yaml': application('child-b', 'path: manifests/child-b'),
    'teams/red/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: red\ndata:\n  color: crimson\n',
  };
}
