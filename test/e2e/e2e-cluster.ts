import { randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { CHART_RBAC_SUBJECT, chartRbacYaml } from '../support/chart-rbac.ts';
import {
  type ArgoAppBehaviour,
  type ArgoCdController,
  startArgoCdController,
} from '../support/fake-kube/argocd-controller.ts';
import {
  type ClaimBehaviour,
  type CrossplaneController,
  startCrossplaneController,
} from '../support/fake-kube/crossplane-controller.ts';
import { type FakeKube, startFakeKubeServer } from '../support/fake-kube/fake-kube-server.ts';
import type { ObjectRef, StoreEvent } from '../support/fake-kube/fake-kube-store.ts';
import { isRecord, type KubeRecord, metadataOf } from '../support/fake-kube/json-values.ts';
import { loadRbacPolicy, type RbacRequest } from '../support/rbac-policy.ts';
import type { E2ERepo } from './e2e-repo.ts';

export const ARGOCD = 'argocd';
export const REPO_URL = 'https://github.com/mergeplane/demo-gitops.git';
const APPLICATION = 'argoproj.io/v1alpha1';
const CLAIM_API = 'platform.mergeplane.io/v1alpha1';
const ARGO_MANAGER = 'argocd-application-controller';

export const clusterKind = {
  group: 'platform.mergeplane.io',
  version: 'v1alpha1',
  kind: 'KubernetesCluster',
  plural: 'kubernetesclusters',
  namespaced: true,
} as const;
const compositeKind = {
  group: 'platform.mergeplane.io',
  version: 'v1alpha1',
  kind: 'XKubernetesCluster',
  plural: 'xkubernetesclusters',
  namespaced: false,
} as const;

/** An Application as the root app-of-apps renders it from apps/templates (values of apps/values.yaml). */
function application(name: string, path: string, namespace: string): KubeRecord {
  return {
    apiVersion: APPLICATION,
    kind: 'Application',
    metadata: { name, namespace: ARGOCD },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace },
      source: { repoURL: REPO_URL, targetRevision: 'main', path },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    },
  };
}

/** The children of `root` this emulation knows, by their template file under apps/templates. */
const ROOT_CHILDREN: Record<string, KubeRecord> = {
  'platform-clusters.yaml': application('platform-clusters', 'infra/clusters', 'platform'),
  'podinfo-production.yaml': application(
    'podinfo-production',
    'kustomize/podinfo/overlays/production',
    'podinfo-production',
  ),
  'notifications.yaml': application('notifications', 'manifests/notifications', 'notifications'),
  'guestbook-appset.yaml': {
    apiVersion: APPLICATION,
    kind: 'ApplicationSet',
    metadata: { name: 'guestbook', namespace: ARGOCD },
    spec: {
      generators: [{ clusters: { selector: { matchLabels: { 'workload-cluster': 'true' } } } }],
      template: {
        metadata: { name: 'guestbook-{{name}}', labels: { 'app.kubernetes.io/part-of': 'guestbook' } },
        spec: {
          project: 'default',
          source: {
            repoURL: REPO_URL,
            targetRevision: 'main',
            path: 'charts/guestbook',
            helm: { releaseName: 'guestbook', valueFiles: ['values.yaml', 'values-{{name}}.yaml'] },
          },
          destination: { server: '{{server}}', namespace: 'guestbook' },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
        },
      },
    },
  },
};

/** Workload clusters registered before Mergeplane (the demo's config registry, as Argo CD cluster Secrets). */
const EXISTING_CLUSTERS = [
  { name: 'prod-eu', server: 'https://prod-eu.k8s.demo.mergeplane.io' },
  { name: 'prod-us', server: 'https://prod-us.k8s.demo.mergeplane.io' },
];

export interface E2EClusterOptions {
  repo: E2ERepo;
  /** The revision Argo CD has synced before the test (`main`). */
  main: string;
  argo?: Record<string, ArgoAppBehaviour>;
  claims?: Record<string, ClaimBehaviour>;
  /** Controller delays (ms). Default 20. */
  tickMs?: number;
}

export interface E2ECluster {
  kube: FakeKube;
  argo: ArgoCdController;
  xp: CrossplaneController;
  /** Kubernetes requests refused by the chart's RBAC (deploy/rbac.yaml). */
  denied: RbacRequest[];
  /** The bearer token of the kubeconfig Mergeplane gets. */
  token: string;
  /** Mutable: tests change an app's behaviour (e.g. fix a failing sync). */
  argoBehaviour: Record<string, ArgoAppBehaviour>;
  application(name: string): KubeRecord | undefined;
  /** Emulates Argo CD's Git webhook for a push to `main`: automated apps refresh and sync to `sha`. */
  push(sha: string): void;
  close(): Promise<void>;
}

function status(object: KubeRecord | undefined): KubeRecord {
  return object && isRecord(object.status) ? object.status : {};
}

function field(record: unknown, ...path: string[]): unknown {
  let value: unknown = record;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  return value;
}

/** Synced at `revision` and Healthy, as Argo CD reports a delivered app. */
export function isSyncedAt(app: KubeRecord | undefined, revision: string): boolean {
  const s = status(app);
  return field(s, 'sync', 'status') === 'Synced' && field(s, 'sync', 'revision') === revision
    ? field(s, 'health', 'status') === 'Healthy'
    : false;
}

/**
 * A fake API server with Argo CD (app-of-apps `root`, the guestbook ApplicationSet's clusters generator) and
 * Crossplane (KubernetesCluster claims), bootstrapped to `main` the way Argo CD would have it: `root` syncs
 * and creates its children, they sync, `platform-clusters` applies the claims of infra/clusters. Mergeplane
 * only ever sees it through a kubeconfig limited by the chart's RBAC (deploy/rbac.yaml).
 */
export async function startE2ECluster(options: E2EClusterOptions): Promise<E2ECluster> {
  const { repo } = options;
  const policy = loadRbacPolicy(chartRbacYaml(), CHART_RBAC_SUBJECT);
  const token = `kube-${randomBytes(12).toString('hex')}`;
  const kube = await startFakeKubeServer({
    token,
    namespaces: ['default', ARGOCD, 'platform'],
    types: [compositeKind],
    forbid: (req) => !policy.isAllowed(req),
    watchBookmarkIntervalMs: 5_000,
  });
  const { store } = kube;
  // Bootstrap is healthy; the behaviours of the test apply from the merge on.
  const argoBehaviour: Record<string, ArgoAppBehaviour> = {};
  const tickMs = options.tickMs ?? 20;
  const xp = startCrossplaneController({
    kube,
    kinds: [
      {
        ...clusterKind,
        cluster: true,
        composed: [{ apiVersion: CLAIM_API, kind: 'XKubernetesCluster' }],
      },
    ],
    behaviour: options.claims ?? {},
    readyDelayMs: tickMs,
  });
  const argo = startArgoCdController({
    kube,
    behaviour: (app) => argoBehaviour[app.name],
    tickMs,
    applicationSets: [],
    argocdNamespace: ARGOCD,
  });

  // What an app's sync deploys, where the flow depends on it: root writes its child Applications (and the
  // ApplicationSet), platform-clusters the claims. The real controller would render the sources at the revision.
  const ensure = (object: KubeRecord): void => {
    const metadata = metadataOf(object);
    const ref: ObjectRef = {
      apiVersion: String(object.apiVersion),
      kind: String(object.kind),
      namespace: String(metadata.namespace),
      name: String(metadata.name),
    };
    const existing = store.get(ref);
    if (!existing) store.create(structuredClone(object), { fieldManager: ARGO_MANAGER });
    else if (JSON.stringify(existing.spec) !== JSON.stringify(object.spec))
      store.patch(ref, { spec: object.spec }, { fieldManager: ARGO_MANAGER });
  };
  const deploy = (app: string, revision: string): void => {
    if (app === 'root') {
      for (const [file, object] of Object.entries(ROOT_CHILDREN)) {
        if (repo.read(revision, `apps/templates/${file}`) !== undefined) ensure(object);
      }
    }
    if (app === 'platform-clusters') {
      for (const file of repo.list(revision, 'infra/clusters')) {
        const text = repo.read(revision, `infra/clusters/${file}`) ?? '';
        for (const doc of parseAllDocuments(text)) {
          const object = doc.toJS() as unknown;
          if (!isRecord(object) || object.kind !== clusterKind.kind) continue;
          const metadata = metadataOf(object);
          ensure({
            ...object,
            metadata: {
              ...metadata,
              namespace: metadata.namespace ?? 'platform',
              labels: { 'argocd.argoproj.io/instance': 'platform-clusters' },
            },
          });
        }
      }
    }
  };
  const deployed = new Set<string>();
  const unsubscribe = store.watch(
    (event: StoreEvent) => {
      const operationState = field(event.object, 'status', 'operationState');
      if (field(operationState, 'phase') !== 'Succeeded') return;
      const revision = field(operationState, 'syncResult', 'revision');
      const name = String(metadataOf(event.object).name);
      const key = `${name}@${String(revision)}@${String(field(operationState, 'finishedAt'))}`;
      if (typeof revision !== 'string' || deployed.has(key)) return;
      deployed.add(key);
      setImmediate(() => deploy(name, revision));
    },
    { apiVersion: APPLICATION, kind: 'Application' },
  );

  for (const cluster of EXISTING_CLUSTERS) {
    store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `cluster-${cluster.name}`,
        namespace: ARGOCD,
        labels: { 'argocd.argoproj.io/secret-type': 'cluster', 'workload-cluster': 'true' },
      },
      stringData: { name: cluster.name, server: cluster.server, config: '{"tlsClientConfig":{}}' },
    });
  }
  store.create(application('root', 'apps', ARGOCD));
  argo.setGitHead(options.main);
  await settle(kube, options.main);
  Object.assign(argoBehaviour, options.argo);

  return {
    kube,
    argo,
    xp,
    denied: policy.denied,
    token,
    argoBehaviour,
    application: (name) =>
      store.get({ apiVersion: APPLICATION, kind: 'Application', namespace: ARGOCD, name }),
    push: (sha) => argo.setGitHead(sha),
    async close() {
      unsubscribe();
      await argo.stop();
      await xp.stop();
      await kube.close();
    },
  };
}

/** Resolves once every Application is Synced+Healthy at `revision` and every claim Ready (bootstrap). */
function settle(kube: FakeKube, revision: string, timeoutMs = 10_000): Promise<void> {
  const { store } = kube;
  const done = (): boolean => {
    const apps = store.list({ apiVersion: APPLICATION, kind: 'Application' });
    const names = new Set(apps.map((a) => String(metadataOf(a).name)));
    const claims = store.list({ apiVersion: CLAIM_API, kind: clusterKind.kind });
    return (
      ['root', 'platform-clusters', 'podinfo-production', 'guestbook-prod-eu'].every((n) => names.has(n)) &&
      apps.every((app) => isSyncedAt(app, revision)) &&
      claims.length > 0 &&
      claims.every((claim) => {
        const conditions = field(claim, 'status', 'conditions');
        return (
          Array.isArray(conditions) &&
          conditions.some((c) => field(c, 'type') === 'Ready' && field(c, 'status') === 'True')
        );
      })
    );
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      const apps = store.list({ apiVersion: APPLICATION, kind: 'Application' });
      const late = apps.filter((app) => !isSyncedAt(app, revision)).map((app) => metadataOf(app).name);
      reject(new Error(`the fake cluster did not settle at ${revision}: ${late.join(', ')}`));
    }, timeoutMs);
    const unsubscribe = store.watch(() => {
      if (!done()) return;
      clearTimeout(timer);
      setImmediate(unsubscribe);
      resolve();
    });
  });
}
