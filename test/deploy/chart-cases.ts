import { type KubeDoc, mergeValues, REQUIRED, renderChart, type Values } from './chart-template.ts';

/** The values matrix the chart tests render: each case turns on one option (over the required values). */
export const CHART_CASES: Record<string, Values> = {
  defaults: REQUIRED,
  'ingress on': mergeValues(REQUIRED, {
    ingress: {
      enabled: true,
      className: 'nginx',
      hosts: ['mergeplane.example.com'],
      tls: [{ hosts: ['mergeplane.example.com'], secretName: 'mergeplane-tls' }],
      annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
    },
  }),
  'KEDA on': mergeValues(REQUIRED, {
    worker: {
      autoscaling: {
        keda: {
          enabled: true,
          maxReplicas: 6,
          redis: {
            address: 'redis.mergeplane.svc:6379',
            passwordSecret: { name: 'mergeplane-redis', key: 'password' },
          },
        },
      },
    },
  }),
  'ServiceMonitor on': mergeValues(REQUIRED, {
    serviceMonitor: { enabled: true, labels: { release: 'kps' } },
  }),
  'workers non-root': mergeValues(REQUIRED, { worker: { renderIsolation: false } }),
  'shared cache claim': mergeValues(REQUIRED, {
    cache: { sharedClaim: { create: true, storageClassName: 'nfs', size: '50Gi' } },
  }),
  'existing shared cache claim': mergeValues(REQUIRED, {
    cache: { sharedClaim: { existingClaim: 'render-cache' } },
  }),
  'Redis URL from a Secret': {
    redis: { existingSecret: 'mergeplane-redis', secretKeys: { url: 'redis-url' } },
  },
  'Redis cluster nodes': {
    redis: { clusterNodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379', 'redis://10.0.0.3:6379'] },
    worker: {
      autoscaling: {
        keda: { enabled: true, redis: { addresses: ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'] } },
      },
    },
  },
  'Redis cluster nodes from a Secret': {
    redis: { existingSecret: 'mergeplane-redis', secretKeys: { clusterNodes: 'nodes' } },
  },
  'GitHub Enterprise, Argo CD token, kubeconfig, plain App ID, extra env': mergeValues(REQUIRED, {
    github: { appId: 123456, enterpriseHost: 'ghe.example.com' },
    argocd: { url: 'https://argocd.example.com', tokenSecret: { name: 'argocd-token' } },
    kube: { kubeconfigSecret: { name: 'mgmt-kubeconfig' }, context: 'mgmt' },
    extraEnv: [
      {
        name: 'MERGEPLANE_DASHBOARD_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'mergeplane-dashboard', key: 'password' } },
      },
      { name: 'MERGEPLANE_DASHBOARD_USER', value: 'ops' },
    ],
    imagePullSecrets: [{ name: 'registry' }],
    image: { digest: `sha256:${'a'.repeat(64)}` },
  }),
  'NetworkPolicy on': mergeValues(REQUIRED, {
    networkPolicy: {
      enabled: true,
      webhookFrom: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ],
      metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      egress: [
        { to: [{ ipBlock: { cidr: '140.82.112.0/20' } }], ports: [{ port: 443, protocol: 'TCP' }] },
        {
          to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }],
          ports: [{ port: 6379, protocol: 'TCP' }],
        },
      ],
    },
  }),
  'delivery off': mergeValues(REQUIRED, { delivery: { enabled: false } }),
  'RBAC only (the generated deploy/rbac.yaml)': {
    webhook: { enabled: false },
    worker: { enabled: false },
    createNamespace: true,
  },
};

/** Every case rendered (helm runs side by side), by case name. */
export async function renderCases(): Promise<Map<string, KubeDoc[]>> {
  const entries = Object.entries(CHART_CASES);
  const docs = await Promise.all(entries.map(([, values]) => renderChart(values)));
  return new Map(entries.map(([name], i) => [name, docs[i]!]));
}
