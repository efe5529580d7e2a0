import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoRepo, DEMO_BASE_BRANCH, DEMO_HEAD_BRANCH } from '../../scripts/build-demo-repo.ts';
import { planChange } from '../../src/engine/plan-change.ts';
import type { AppReport, PlanReport } from '../../src/model/plan-report.ts';

let tmp: string;
let report: PlanReport;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mergeplane-demo-plan-'));
  const repo = buildDemoRepo(join(tmp, 'repo'));
  report = await planChange({
    repoDir: repo.dir,
    base: DEMO_BASE_BRANCH,
    head: DEMO_HEAD_BRANCH,
    cacheDir: false,
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function app(name: string): AppReport {
  const found = report.apps.find((a) => a.name === name);
  if (!found) throw new Error(`no app ${name}`);
  return found;
}

function changes(name: string): string[] {
  return (app(name).resources ?? []).map((r) => `${r.action} ${r.kind} ${r.namespace}/${r.name}`);
}

describe('the demo repository plan (head commit: image tag, one cluster value, one app added, one removed, a new cluster)', () => {
  it('reports exactly the affected applications', () => {
    const affected = report.apps.filter((a) => a.status !== 'unchanged').map((a) => `${a.name}: ${a.status}`);
    expect(affected).toEqual([
      'guestbook-prod-eu: changed',
      'legacy-reports: removed',
      'notifications: added',
      // Argo CD deploys the claims under infra/clusters: the new cluster claim is a change of that app too.
      'platform-clusters: changed',
      'podinfo-production: changed',
      'root: changed',
    ]);
  });

  it('plans the new cluster claim, its registration and the apps the clusters generator adds', () => {
    const changed = report.claims.filter((c) => c.action !== 'unchanged');
    expect(changed.map((c) => `${c.kind} ${c.namespace}/${c.name}: ${c.action}`)).toEqual([
      'KubernetesCluster platform/prod-sa: create',
    ]);
    const claim = changed[0]!;
    expect(claim.registersCluster).toBe(true);
    expect(claim.connectionSecret).toEqual({ namespace: 'platform', name: 'prod-sa-kubeconfig' });
    expect(claim.clusterTargets).toEqual([{ applicationSet: 'guestbook', apps: ['guestbook-prod-sa'] }]);
    expect(changes('platform-clusters')).toEqual(['create KubernetesCluster platform/prod-sa']);
  });

  it('plans every kind of app it found', () => {
    const origins = new Set(report.apps.map((a) => a.origin.split(':')[0]));
    expect(origins).toEqual(new Set(['bootstrap/root.yaml', 'app-of-apps', 'applicationset']));
    expect(new Set(report.apps.map((a) => a.sourceType))).toEqual(
      new Set(['directory', 'kustomize', 'helm']),
    );
  });

  it('shows the image tag change of the production overlay', () => {
    expect(changes('podinfo-production')).toEqual(['update Deployment podinfo-production/podinfo']);
    const diff = app('podinfo-production').resources![0]!.diff;
    expect(diff).toMatch(/^-\s+image: ghcr\.io\/stefanprodan\/podinfo:6\.7\.0$/m);
    expect(diff).toMatch(/^\+\s+image: ghcr\.io\/stefanprodan\/podinfo:6\.7\.1$/m);
  });

  it('changes only the cluster whose Helm values changed', () => {
    expect(app('guestbook-prod-eu').origin).toBe('applicationset:guestbook');
    expect(changes('guestbook-prod-eu')).toEqual(['update Deployment guestbook/guestbook']);
    const generated = report.apps.filter((a) => a.origin === 'applicationset:guestbook').map((a) => a.name);
    expect(generated.sort()).toEqual(['guestbook-prod-eu', 'guestbook-prod-us', 'guestbook-staging']);
    expect(app('guestbook-prod-us').status).toBe('unchanged');
  });

  it('creates the added app and deletes the removed one, also as Applications of the root', () => {
    expect(changes('notifications').every((c) => c.startsWith('create '))).toBe(true);
    expect(changes('legacy-reports').every((c) => c.startsWith('delete '))).toBe(true);
    expect(changes('root')).toEqual([
      'delete Application argocd/legacy-reports',
      'create Application argocd/notifications',
    ]);
  });

  it('redacts the removed Secret and passes every gate', () => {
    expect(JSON.stringify(report)).not.toMatch(/password: (?!\+)/);
    expect(report.gates.filter((g) => g.status !== 'pass')).toEqual([]);
  });
});
