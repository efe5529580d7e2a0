import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/mergeplane-config.ts';
import { buildDeliveryStages, type DeliveryApp, syncWave } from '../../src/delivery/build-delivery-stages.ts';
import { type ClaimTarget, statusContext, targetLabel } from '../../src/model/delivery-plan.ts';
import type { ClaimReport } from '../../src/model/plan-report.ts';

const SHA = 'a'.repeat(40);

function app(name: string, extra: Partial<DeliveryApp> = {}): DeliveryApp {
  return {
    namespace: 'argocd',
    name,
    wave: 0,
    automated: false,
    sourcePaths: [{ path: `apps/${name}`, recurse: false }],
    ...extra,
  };
}

function claim(name: string, extra: Partial<ClaimReport> = {}): ClaimReport {
  return {
    apiVersion: 'platform.example.org/v1alpha1',
    kind: 'KubernetesCluster',
    namespace: 'platform',
    name,
    action: 'create',
    composed: [],
    destructive: false,
    file: `infra/${name}.yaml`,
    ...extra,
  };
}

function build(
  input: Partial<Parameters<typeof buildDeliveryStages>[0]> & { config?: typeof DEFAULT_CONFIG },
) {
  return buildDeliveryStages({
    mergeSha: SHA,
    before: 'b'.repeat(40),
    apps: [],
    claims: [],
    headApps: [],
    claimObject: () => undefined,
    config: DEFAULT_CONFIG,
    ...input,
  });
}

describe('buildDeliveryStages', () => {
  it('delivers through the kubeconfig context of delivery.kubeContext, else names none (the worker default)', () => {
    expect(build({}).options).not.toHaveProperty('kubeContext');
    const config = { ...DEFAULT_CONFIG, delivery: { ...DEFAULT_CONFIG.delivery, kubeContext: 'mgmt-eu' } };
    expect(build({ config }).options.kubeContext).toBe('mgmt-eu');
  });

  it('observes automated apps unless delivery.syncAutomated, and only observes everything when delivery.sync is off', () => {
    const headApps = [app('auto', { automated: true }), app('manual')];
    const apps = headApps.map((a) => ({ name: a.name, namespace: a.namespace, status: 'changed' as const }));
    const observed = (config: typeof DEFAULT_CONFIG) =>
      build({ apps, headApps, config }).stages.flatMap((s) =>
        s.targets.map((t) => (t.type === 'sync' ? `${t.app.name}:${t.observeOnly}` : '')),
      );
    expect(observed(DEFAULT_CONFIG)).toEqual(['auto:true', 'manual:false']);
    expect(
      observed({ ...DEFAULT_CONFIG, delivery: { ...DEFAULT_CONFIG.delivery, syncAutomated: true } }),
    ).toEqual(['auto:false', 'manual:false']);
    expect(observed({ ...DEFAULT_CONFIG, delivery: { ...DEFAULT_CONFIG.delivery, sync: false } })).toEqual([
      'auto:true',
      'manual:true',
    ]);
  });

  it('observes a deleted claim until gone, unregisters its cluster, and deletes it first when no app delivers it', () => {
    const base = {
      apiVersion: 'platform.example.org/v1alpha1',
      kind: 'KubernetesCluster',
      metadata: {
        name: 'old',
        namespace: 'platform',
        annotations: { 'mergeplane.io/cluster-name': 'legacy-eu' },
      },
    };
    const plan = build({
      claims: [
        claim('old', { action: 'delete', registersCluster: true }),
        claim('argo-owned', { action: 'delete', file: 'apps/infra/argo-owned.yaml' }),
        claim('same', { action: 'unchanged' }),
        // Pinned to its Composition revision: the claim itself is unchanged, nothing to apply or wait for.
        claim('pinned', { action: 'deferred' }),
      ],
      headApps: [app('infra')],
      claimObject: (c) => (c.name === 'old' ? base : undefined),
    });
    expect(plan.stages).toHaveLength(1);
    expect(plan.stages[0]!.targets.map((t) => (t as ClaimTarget).claim.name)).toEqual(['argo-owned', 'old']);
    const [owned, old] = plan.stages[0]!.targets as ClaimTarget[];
    expect(old).toMatchObject({
      action: 'observe-deletion',
      deleteFirst: true,
      unregisterCluster: { clusterName: 'legacy-eu' },
    });
    expect(owned).toMatchObject({ action: 'observe-deletion' });
    expect(owned?.deleteFirst).toBeUndefined();
  });

  it('registers a cluster with config labels plus the claim annotations, and the v2 connection Secret from config', () => {
    const object = {
      metadata: {
        name: 'prod-ap',
        namespace: 'platform',
        annotations: { 'mergeplane.io/cluster-label.region': 'ap-southeast-1' },
      },
    };
    const plan = build({
      claims: [
        claim('prod-ap', {
          registersCluster: true,
          clusterTargets: [{ applicationSet: 'guestbook', apps: ['guestbook-prod-ap'] }],
        }),
      ],
      claimObject: () => object,
      config: {
        ...DEFAULT_CONFIG,
        crossplane: {
          ...DEFAULT_CONFIG.crossplane,
          connectionSecretName: '{name}-conn',
          connectionSecretKey: 'config',
        },
      },
    });
    const cluster = plan.stages[0]!.targets[0] as ClaimTarget;
    expect(cluster).toMatchObject({ action: 'apply' });
    expect(cluster.registerCluster).toEqual({
      clusterName: 'prod-ap',
      labels: { 'workload-cluster': 'true', region: 'ap-southeast-1' },
      connectionSecret: { namespace: 'platform', name: 'prod-ap-conn', key: 'config' },
    });
    // Its generated app comes after the claim, even without details of the app (synced, wave 0).
    expect(plan.stages[1]!.targets).toMatchObject([
      { type: 'sync', app: { name: 'guestbook-prod-ap' }, reason: 'cluster-target', observeOnly: false },
    ]);
  });

  it('treats a claim in a subdirectory of a non-recursive directory app as applied by Mergeplane', () => {
    const plan = build({
      claims: [
        claim('nested', { file: 'apps/infra/sub/nested.yaml' }),
        claim('top', { file: 'apps/infra/top.yaml' }),
      ],
      headApps: [app('infra')],
    });
    expect(plan.stages.map((s) => s.kind)).toEqual(['owner-apps', 'claims']);
    expect(plan.stages[1]!.targets.map((t) => (t as ClaimTarget).action)).toEqual(['apply', 'observe']);
  });

  it('reads sync waves as Argo CD does and names statuses by the contract', () => {
    expect(syncWave({ 'argocd.argoproj.io/sync-wave': '-2' })).toBe(-2);
    expect(syncWave({ 'argocd.argoproj.io/sync-wave': 'soon' })).toBe(0);
    expect(syncWave({})).toBe(0);
    const plan = build({ claims: [claim('xr', { namespace: '' })] });
    const target = plan.stages[0]!.targets[0]!;
    expect(statusContext(target)).toBe('mergeplane/claim: xr');
    expect(targetLabel(target)).toBe('KubernetesCluster xr');
  });
});
