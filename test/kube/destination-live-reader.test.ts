import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDestinationLiveReader } from '../../src/kube/destination-live-reader.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import type { AppReport } from '../../src/model/plan-report.ts';
import { attachLiveViews } from '../../src/plan-job/attach-live-views.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { CHART_RBAC_SUBJECT, chartRbacYaml } from '../support/chart-rbac.ts';
import {
  type FakeKube,
  type FakeKubeResourceType,
  startFakeKubeServer,
} from '../support/fake-kube/fake-kube-server.ts';
import { planReportOf } from '../support/plan-report-of.ts';
import { loadRbacPolicy } from '../support/rbac-policy.ts';

const tlsFile = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const silent = { debug() {}, info() {}, warn() {} };

const types: FakeKubeResourceType[] = [
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'AppProject', plural: 'appprojects', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, hasStatus: false },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
    hasStatus: false,
  },
];

const settings = (data: Record<string, string>, namespace = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace },
  data,
});
const deployment = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas, template: { spec: { containers: [{ name: 'web', image: 'shop:1.0' }] } } },
});
const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { ports: [{ port: 80 }] },
};
const secret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop' },
  stringData: { password: 'from-git' },
};
const clusterRole: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'shop-reader' },
  rules: [],
};

/** What the Terraform-created objects look like live: the same fields plus the API server's own. */
function seedTakeover(kube: FakeKube): void {
  kube.store.create(settings({ mode: 'production' }) as Record<string, unknown>, {
    fieldManager: 'terraform',
  });
  kube.store.create(deployment(3) as Record<string, unknown>, { fieldManager: 'terraform' });
  kube.store.create({ ...secret, data: { password: b64('live-secret-value') } } as Record<string, unknown>, {
    fieldManager: 'terraform',
  });
}

function clusterSecret(
  name: string,
  server: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `cluster-${name}`,
      namespace: 'argocd',
      labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
    },
    data: { name: b64(name), server: b64(server), config: b64(JSON.stringify(config)) },
  };
}

function addedApp(destination: AppReport['destination'], project = 'shop'): AppReport {
  return {
    name: 'shop',
    namespace: 'argocd',
    project,
    origin: 'apps/shop.yaml',
    destination,
    sourceType: 'directory',
    status: 'added',
    resources: [],
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('live view of an app the pull request adds, read from its destination cluster', () => {
  const policy = loadRbacPolicy(chartRbacYaml(), CHART_RBAC_SUBJECT);
  let argo: FakeKube;
  let tokenCluster: FakeKube;
  let certCluster: FakeKube;
  let stranger: FakeKube;
  let unreachable: string;

  beforeAll(async () => {
    // Argo CD's own cluster: Mergeplane's service account, limited to exactly the chart's RBAC (deploy/rbac.yaml).
    argo = await startFakeKubeServer({
      token: 'mergeplane-sa',
      namespaces: ['default', 'argocd', 'shop', 'kube-system'],
      types,
      forbid: (request) => !policy.isAllowed(request),
    });
    // Clusters Argo CD deploys to, reachable only with the credentials of its cluster Secrets.
    tokenCluster = await startFakeKubeServer({ token: 'argocd-manager-token', namespaces: ['shop'], types });
    certCluster = await startFakeKubeServer({
      token: `unknown-${Math.random()}`,
      namespaces: ['shop'],
      types,
      tls: { key: tlsFile('server.key'), cert: tlsFile('server.crt'), clientCa: tlsFile('ca.crt') },
    });
    stranger = await startFakeKubeServer({ namespaces: ['shop'], types });
    unreachable = `http://127.0.0.1:${await closedPort()}`;
    for (const kube of [argo, tokenCluster, certCluster, stranger]) seedTakeover(kube);
    argo.store.create(settings({ mode: 'production' }, 'kube-system') as Record<string, unknown>);
    argo.store.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'shop', namespace: 'argocd' },
      spec: {
        destinations: [
          { server: 'https://kubernetes.default.svc', namespace: 'shop' },
          { name: 'token-cluster', namespace: 'shop' },
          { server: certCluster.url, namespace: 'shop' },
          { server: unreachable, namespace: 'shop' },
          { name: 'aws-cluster', namespace: 'shop' },
          { server: stranger.url, namespace: 'shop' },
        ],
      },
    });
    argo.store.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'narrow', namespace: 'argocd' },
      spec: { destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'payments' }] },
    });
    argo.store.create(
      clusterSecret('token-cluster', tokenCluster.url, {
        bearerToken: 'argocd-manager-token',
        tlsClientConfig: { insecure: true },
      }),
    );
    argo.store.create(
      clusterSecret('cert-cluster', certCluster.url, {
        tlsClientConfig: {
          insecure: false,
          caData: b64(tlsFile('ca.crt')),
          certData: b64(tlsFile('client.crt')),
          keyData: b64(tlsFile('client.key')),
        },
      }),
    );
    argo.store.create(
      clusterSecret('gone', unreachable, { bearerToken: 'x', tlsClientConfig: { insecure: true } }),
    );
    argo.store.create(
      clusterSecret('aws-cluster', 'https://eks.example.com', {
        awsAuthConfig: { clusterName: 'prod', roleARN: 'arn:aws:iam::1:role/secret-role-name' },
        tlsClientConfig: { insecure: false },
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([argo, tokenCluster, certCluster, stranger].map((kube) => kube?.close()));
  });

  const head = [settings({ mode: 'production' }), deployment(2), service, secret, clusterRole];

  async function liveView(
    destination: AppReport['destination'],
    options: { project?: string; refused?: string; objects?: KubeObject[] } = {},
  ) {
    const destinations = createDestinationLiveReader({
      kubeConfig: () => argo.kubeConfig(),
      argocdNamespace: 'argocd',
      timeoutMs: 5_000,
    });
    const app = addedApp(destination, options.project);
    const result = await attachLiveViews({
      report: planReportOf([app]),
      headObjects: new Map([['argocd/shop', options.objects ?? head]]),
      reader: {
        liveObjects: async () => ({ kind: 'unavailable', reason: 'Argo CD is not asked for added apps' }),
      },
      destinations,
      contextLines: 3,
      isThisRepo: () => true,
      destinationsRefused: async () => options.refused,
      logger: silent,
    });
    return { live: result.apps[0]!.live!, markdown: renderMarkdown(result) };
  }

  it('shows the takeover diff of zero, a manual edit, what would be created, and what it does not read (in-cluster)', async () => {
    const before = argo.requests.length;
    const { live, markdown } = await liveView({
      server: 'https://kubernetes.default.svc',
      namespace: 'shop',
    });
    expect(live.source).toBe('cluster');
    expect(live.cluster).toBe('in-cluster');
    const byKind = Object.fromEntries(live.resources.map((r) => [r.kind, r]));
    expect(byKind.ConfigMap).toMatchObject({ action: 'identical' });
    expect(byKind.Deployment).toMatchObject({ action: 'update' });
    expect(byKind.Deployment!.diff).toMatch(/-\s+replicas: 3/);
    expect(byKind.Deployment!.diff).toMatch(/\+\s+replicas: 2/);
    expect(byKind.Service).toMatchObject({ action: 'create' });
    expect(byKind.Secret).toMatchObject({
      action: 'not-compared',
      reason: expect.stringContaining('never read'),
    });
    // The default for clusterResourceWhitelist is none: Argo CD would not deploy it, so it is not read.
    expect(byKind.ClusterRole).toMatchObject({
      action: 'not-compared',
      reason: expect.stringContaining('cluster-scoped'),
    });

    const made = argo.requests.slice(before);
    expect(made.every((r) => r.method === 'GET')).toBe(true);
    // The only Secret request is the list of Argo CD's cluster Secrets, narrowed by their label.
    const secretRequests = made.filter((r) => r.path.includes('/secrets'));
    expect(secretRequests.map((r) => r.path)).toEqual(['/api/v1/namespaces/argocd/secrets']);
    expect(decodeURIComponent(secretRequests[0]!.query)).toContain(
      'labelSelector=argocd.argoproj.io/secret-type=cluster',
    );
    expect(made.some((r) => r.path.includes('clusterroles'))).toBe(false);
    expect(policy.denied).toEqual([]);

    expect(markdown).toContain('read from `in-cluster`');
    expect(markdown).toContain('1 identical · 1 would update · 1 would create · 2 not compared.');
    expect(markdown).not.toContain('live-secret-value');
    expect(markdown).not.toContain(b64('live-secret-value'));
  });

  it('reads a remote destination with the bearer token of its Argo CD cluster Secret (destination by name)', async () => {
    const before = tokenCluster.requests.length;
    const { live } = await liveView({ name: 'token-cluster', namespace: 'shop' });
    expect(live).toMatchObject({ source: 'cluster', cluster: 'token-cluster' });
    expect(live.note).toBeUndefined();
    expect(live.resources.find((r) => r.kind === 'ConfigMap')?.action).toBe('identical');
    expect(live.resources.find((r) => r.kind === 'Deployment')?.action).toBe('update');
    const made = tokenCluster.requests.slice(before);
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((r) => r.method === 'GET' && (r.status === 200 || r.status === 404))).toBe(true);
    expect(made.some((r) => r.path.includes('/secrets'))).toBe(false);
  });

  it('reads a remote destination with the client certificate of its cluster Secret, verifying the server with its CA', async () => {
    const { live } = await liveView({ server: certCluster.url, namespace: 'shop' });
    expect(live.note).toBeUndefined();
    expect(live.cluster).toBe('cert-cluster');
    expect(live.resources.find((r) => r.kind === 'ConfigMap')?.action).toBe('identical');
    expect(live.resources.find((r) => r.kind === 'Service')?.action).toBe('create');
  });

  it('names authentication it does not support, without quoting the credentials', async () => {
    const { live } = await liveView({ name: 'aws-cluster', namespace: 'shop' });
    expect(live.resources).toEqual([]);
    expect(live.note).toContain('AWS IAM authentication');
    expect(live.note).not.toContain('secret-role-name');
  });

  it('never dials a server Argo CD has no cluster Secret for, even when the project would permit it', async () => {
    const before = stranger.requests.length;
    const { live } = await liveView({ server: stranger.url, namespace: 'shop' });
    expect(live.note).toBe(`Argo CD has no cluster ${stranger.url} registered`);
    expect(stranger.requests.length).toBe(before);
  });

  it('reads nothing the project would not let the app deploy', async () => {
    const narrow = await liveView(
      { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      { project: 'narrow' },
    );
    expect(narrow.live.note).toContain('project narrow does not permit the destination in-cluster shop');
    const missing = await liveView(
      { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      { project: 'ghost' },
    );
    expect(missing.live.note).toBe('Argo CD has no project ghost');
    const before = argo.requests.length;
    const elsewhere = await liveView(
      { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      { objects: [settings({ mode: 'production' }, 'kube-system')] },
    );
    expect(elsewhere.live.resources).toEqual([
      expect.objectContaining({
        namespace: 'kube-system',
        action: 'not-compared',
        reason: 'project shop does not permit the namespace kube-system',
      }),
    ]);
    expect(argo.requests.slice(before).some((r) => r.path.includes('/namespaces/kube-system/'))).toBe(false);
  });

  it('turns an unreachable cluster into a note, not a failed plan', async () => {
    const { live, markdown } = await liveView({ name: 'gone', namespace: 'shop' });
    expect(live.resources).toEqual([]);
    expect(live.note).toMatch(/could not be read|did not answer/);
    expect(markdown).toContain('Not compared:');
  });

  it('reads nothing for a pull request from a fork', async () => {
    const before = argo.requests.length;
    const { live } = await liveView(
      { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      {
        refused:
          'a pull request from a fork: the destination clusters of the applications it adds are not read',
      },
    );
    expect(live).toEqual({
      source: 'cluster',
      note: 'a pull request from a fork: the destination clusters of the applications it adds are not read',
      resources: [],
    });
    expect(argo.requests.length).toBe(before);
  });
});
