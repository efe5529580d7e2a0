import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/mergeplane-config.ts';
import { buildDeliveryStages } from '../../src/delivery/build-delivery-stages.ts';
import { deliverTarget } from '../../src/delivery/deliver-target.ts';
import { planDelivery } from '../../src/delivery/plan-delivery.ts';
import { type DeliveryPlan, planTargets, type SyncTarget } from '../../src/model/delivery-plan.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { createFakeKubeDelivery } from './fake-kube-delivery.ts';

const application = (name: string, sources: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: ${name}}
${sources}`;

// This repository is spelled differently from the origin: the planning engine's matcher decides what is ours.
const multiSourceApp = application(
  'web',
  `  sources:
    - {repoURL: https://charts.example.com/stable, chart: redis, targetRevision: 1.2.3}
    - {repoURL: git@github.com:acme/gitops.git, targetRevision: main, path: manifests/web}
    - {repoURL: https://github.com/acme/other-config.git, path: shared}
`,
);
const singleSourceApp = application(
  'api',
  '  source: {repoURL: https://github.com/acme/gitops.git, targetRevision: main, path: manifests/api}\n',
);

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {value: "${value}"}\n`;

describe('planDelivery of a multi-source Application', () => {
  let fixture: GitFixture;
  let head: string;
  let plan: DeliveryPlan;

  beforeAll(async () => {
    fixture = createGitFixture({ origin: 'https://github.com/acme/gitops.git' });
    const base = fixture.commit({
      'apps/web.yaml': multiSourceApp,
      'apps/api.yaml': singleSourceApp,
      'manifests/web/cm.yaml': configMap('web', '1'),
      'manifests/api/cm.yaml': configMap('api', '1'),
    });
    head = fixture.commit({
      'manifests/web/cm.yaml': configMap('web', '2'),
      'manifests/api/cm.yaml': configMap('api', '2'),
    });
    const options = { baseBranch: 'main', cacheDir: false } as const;
    plan = await planDelivery({ repoDir: fixture.dir, before: base, after: head, ...options });
  });
  afterAll(() => fixture?.cleanup());

  it('syncs the merge at this repository’s source and the other sources at their own targetRevision', () => {
    const targets = planTargets(plan).filter((t): t is SyncTarget => t.type === 'sync');
    const web = targets.find((t) => t.app.name === 'web');
    expect(web?.revisions).toEqual(['1.2.3', head, 'HEAD']);
  });

  it('leaves single-source apps without revisions', () => {
    const api = planTargets(plan).find((t) => t.type === 'sync' && t.app.name === 'api');
    expect(api).toBeDefined();
    expect(api).not.toHaveProperty('revisions');
  });
});

describe('buildDeliveryStages for multi-source apps', () => {
  it('computes the revisions from the merge SHA for every stage an app lands in', () => {
    const mergeSha = 'c'.repeat(40);
    const plan = buildDeliveryStages({
      mergeSha,
      before: 'd'.repeat(40),
      apps: [{ name: 'web', namespace: 'argocd', status: 'changed' }],
      claims: [],
      headApps: [
        {
          namespace: 'argocd',
          name: 'web',
          wave: 0,
          automated: false,
          sourcePaths: [{ path: 'manifests/web', recurse: false }],
          sources: [
            { thisRepo: true },
            { thisRepo: false, targetRevision: '' },
            { thisRepo: false, targetRevision: 'v2' },
          ],
        },
      ],
      claimObject: () => undefined,
      config: DEFAULT_CONFIG,
    });
    const [web] = planTargets(plan);
    expect(web).toMatchObject({ type: 'sync', revisions: [mergeSha, 'HEAD', 'v2'] });
  });
});

describe('deliverTarget of a multi-source sync target', () => {
  it('passes the per-source revisions to the adapter, and none for a single source', async () => {
    const fake = createFakeKubeDelivery();
    const mergeSha = 'e'.repeat(40);
    const ctx = {
      kube: fake.kube,
      mergeSha,
      options: { timeoutMs: 1_000, degradedGraceMs: 0, prune: false, argocdNamespace: 'argocd' },
    };
    const target = (name: string): SyncTarget => ({
      type: 'sync',
      key: `sync-argocd-${name}`,
      app: { namespace: 'argocd', name },
      observeOnly: false,
      wave: 0,
      reason: 'changed',
    });
    await deliverTarget({ ...target('web'), revisions: [mergeSha, '1.2.3'] }, ctx);
    await deliverTarget(target('api'), ctx);
    expect(fake.callsOf('app:web')[0]?.input).toMatchObject({
      revision: mergeSha,
      revisions: [mergeSha, '1.2.3'],
    });
    expect(fake.callsOf('app:api')[0]?.input).not.toHaveProperty('revisions');
  });
});
