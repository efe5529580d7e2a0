import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoRepo, type DemoRepo } from '../../scripts/build-demo-repo.ts';
import { planDelivery } from '../../src/delivery/plan-delivery.ts';
import type { ClaimTarget, DeliveryPlan, SyncTarget } from '../../src/model/delivery-plan.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';

function application(name: string, path: string, extra: { wave?: string; automated?: boolean } = {}): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
${extra.wave !== undefined ? `  annotations:\n    argocd.argoproj.io/sync-wave: "${extra.wave}"\n` : ''}spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: ${name}}
  source: {repoURL: https://github.com/acme/gitops.git, targetRevision: main, path: ${path}}
${extra.automated ? '  syncPolicy:\n    automated: {prune: true}\n' : ''}`;
}

function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {value: "${value}"}\n`;
}

function claim(name: string, namespace: string, size: number): string {
  return `apiVersion: database.example.org/v1alpha1
kind: PostgreSQLInstance
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  parameters: {storageGB: ${size}}
  compositionRef: {name: postgres}
  writeConnectionSecretToRef: {name: ${name}-conn}
`;
}

/** What the assertions compare: stage kinds/waves and the targets' identities and modes. */
function shape(plan: DeliveryPlan) {
  return plan.stages.map((stage) => ({
    kind: stage.kind,
    ...(stage.wave !== undefined ? { wave: stage.wave } : {}),
    ...(stage.level !== undefined ? { level: stage.level } : {}),
    targets: stage.targets.map((t) =>
      t.type === 'sync'
        ? `sync ${t.app.name}${t.observeOnly ? ' (observe)' : ''} [${t.reason}]`
        : `claim ${t.claim.namespace}/${t.claim.name} ${t.action}${t.ownedBy ? ` by ${t.ownedBy}` : ''}`,
    ),
  }));
}

describe('planDelivery on a repository with sync waves and claims', () => {
  let fixture: GitFixture;
  let base: string;
  let head: string;
  let plan: DeliveryPlan;

  beforeAll(async () => {
    fixture = createGitFixture({ origin: 'https://github.com/acme/gitops.git' });
    base = fixture.commit({
      '.github/mergeplane.yml': 'delivery:\n  timeoutSeconds: 600\n  kubeContext: mgmt-eu\n',
      'apps/migrate.yaml': application('db-migrate', 'manifests/db-migrate', { wave: '-1' }),
      'apps/frontend.yaml': application('frontend', 'manifests/frontend', { wave: '2', automated: true }),
      'apps/backend.yaml': application('backend', 'manifests/backend'),
      'apps/untouched.yaml': application('untouched', 'manifests/untouched'),
      'apps/retired.yaml': application('retired', 'manifests/retired'),
      'manifests/db-migrate/cm.yaml': configMap('migrate', '1'),
      'manifests/frontend/cm.yaml': configMap('frontend', '1'),
      'manifests/backend/cm.yaml': configMap('backend', '1'),
      'manifests/untouched/cm.yaml': configMap('untouched', '1'),
      'manifests/retired/cm.yaml': configMap('retired', '1'),
      'infra/db/orders-db.yaml': claim('orders-db', 'commerce', 20),
    });
    head = fixture.commit({
      'manifests/db-migrate/cm.yaml': configMap('migrate', '2'),
      'manifests/frontend/cm.yaml': configMap('frontend', '2'),
      'manifests/backend/cm.yaml': configMap('backend', '2'),
      // A claim inside the backend app's source: Argo CD delivers it with the app.
      'manifests/backend/cache-db.yaml': claim('cache-db', 'backend', 5),
      // A claim in no app's source: Mergeplane applies it.
      'infra/db/orders-db.yaml': claim('orders-db', 'commerce', 50),
      'apps/retired.yaml': null,
      'manifests/retired/cm.yaml': null,
    });
    plan = await planDelivery({
      repoDir: fixture.dir,
      before: base,
      after: head,
      baseBranch: 'main',
      cacheDir: false,
    });
  });
  afterAll(() => fixture?.cleanup());

  it('orders apps that deliver changed claims, then the claims, then the other apps by ascending sync wave', () => {
    expect(plan.mergeSha).toBe(head);
    expect(plan.before).toBe(base);
    expect(shape(plan)).toEqual([
      { kind: 'owner-apps', targets: ['sync backend [claim-owner]'] },
      {
        kind: 'claims',
        targets: ['claim backend/cache-db observe by backend', 'claim commerce/orders-db apply'],
      },
      { kind: 'apps', wave: -1, targets: ['sync db-migrate [changed]'] },
      { kind: 'apps', wave: 2, targets: ['sync frontend (observe) [changed]'] },
    ]);
    expect(plan.notes).toContain(
      'app retired was removed: nothing to sync (Argo CD prunes it through its parent)',
    );
  });

  it('carries the delivery options of the repository config, with the kubeconfig context to deliver through', () => {
    expect(plan.options).toEqual({
      timeoutMs: 600_000,
      degradedGraceMs: 60_000,
      prune: false,
      argocdNamespace: 'argocd',
      kubeContext: 'mgmt-eu',
    });
  });

  it('carries the claim manifest from the merge commit for the claims Mergeplane applies', () => {
    const orders = plan.stages[1]!.targets[1] as ClaimTarget;
    expect(orders.file).toBe('infra/db/orders-db.yaml');
    expect(orders.object).toMatchObject({ spec: { parameters: { storageGB: 50 } } });
    expect(orders.registerCluster).toBeUndefined();
  });
});

describe('planDelivery on the demo repository', () => {
  let tmp: string | undefined;
  let demo: DemoRepo;
  let plan: DeliveryPlan;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'mergeplane-delivery-demo-'));
    demo = buildDemoRepo(join(tmp, 'demo'));
    plan = await planDelivery({
      repoDir: demo.dir,
      before: demo.base,
      after: demo.head,
      baseBranch: 'main',
      cacheDir: false,
    });
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('observes the cluster claim, registers its cluster, then delivers parents before children — including the app the new cluster gets', () => {
    expect(shape(plan)).toEqual([
      { kind: 'claims', targets: ['claim platform/prod-sa observe by platform-clusters'] },
      { kind: 'apps', wave: 0, targets: ['sync root (observe) [changed]'] },
      {
        kind: 'apps',
        wave: 0,
        level: 1,
        targets: [
          'sync guestbook-prod-eu (observe) [changed]',
          'sync guestbook-prod-sa (observe) [cluster-target]',
          'sync notifications (observe) [added]',
          'sync platform-clusters (observe) [changed]',
          'sync podinfo-production (observe) [changed]',
        ],
      },
    ]);
    const cluster = plan.stages[0]!.targets[0] as ClaimTarget;
    expect(cluster.registerCluster).toEqual({
      clusterName: 'prod-sa',
      labels: { 'workload-cluster': 'true' },
      connectionSecret: { namespace: 'platform', name: 'prod-sa-kubeconfig', key: 'kubeconfig' },
    });
    const generated = plan.stages[2]!.targets[1] as SyncTarget;
    expect(generated.applicationSet).toBe('guestbook');
  });
});

describe('planDelivery when the repository config at `before` is invalid', () => {
  let fixture: GitFixture;
  afterAll(() => fixture?.cleanup());

  it('plans nothing and says why, naming the invalid config and that defaults were used', async () => {
    fixture = createGitFixture({ origin: 'https://github.com/acme/gitops.git' });
    const before = fixture.commit({
      '.github/mergeplane.yml': 'delivery:\n  timeoutSecond: 600\n',
      'apps/backend.yaml': application('backend', 'manifests/backend'),
      'manifests/backend/cm.yaml': configMap('backend', '1'),
    });
    const after = fixture.commit({ 'manifests/backend/cm.yaml': configMap('backend', '2') });
    const plan = await planDelivery({
      repoDir: fixture.dir,
      before,
      after,
      baseBranch: 'main',
      cacheDir: false,
    });

    expect(plan.stages).toEqual([]);
    expect(plan.notes[0]).toMatch(/^nothing planned: .*timeoutSecond/);
    expect(plan.notes[1]).toMatch(/^invalid \.github\/mergeplane\.yml, defaults used: .*timeoutSecond/);
    expect(plan.notes[1]!.slice(plan.notes[1]!.indexOf(': ') + 2)).toBe(
      plan.notes[0]!.slice('nothing planned: '.length),
    );
  });
});
