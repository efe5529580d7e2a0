import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LoopbackServer,
  loopbackChartEnv,
  packageChart,
  startHelmRepository,
} from '../support/chart-servers.ts';
import type { TreeSpec } from '../support/git-fixture.ts';
import { applicationYaml, configMap, ORIGIN, planRepo } from './conformance-repo.ts';

/**
 * Issue 11, failure 3: the Argo CD instance's own settings (argocd-cm), as `argocd:` in .github/mergeplane.yml.
 * Expectations from https://argo-cd.readthedocs.io/en/stable/user-guide/kustomize/ (kustomize.buildOptions),
 * .../operator-manual/declarative-setup/#resource-exclusioninclusion, .../user-guide/diffing/ (system-level
 * ignoreDifferences) and .../user-guide/resource_tracking/.
 */
const app = (name: string, path: string) =>
  applicationYaml(name, { repoURL: ORIGIN, path }, { namespace: 'web' });

const outsideRoot = {
  'apps/web.yaml': app('web', 'overlays/prod'),
  'overlays/prod/kustomization.yaml':
    'configMapGenerator:\n  - name: settings\n    files: [../../shared/app.properties]\n',
  'shared/app.properties': 'mode=blue\n',
};

describe('argocd: instance settings', () => {
  it('without LoadRestrictionsNone a file outside the kustomization root fails, as in Argo CD by default', async () => {
    const report = await planRepo(outsideRoot, { 'shared/app.properties': 'mode=green\n' });
    expect(report.apps.find((a) => a.name === 'web')?.status).toBe('error');
  });

  it('kustomize.buildOptions --load-restrictor LoadRestrictionsNone renders it', async () => {
    const report = await planRepo(
      {
        ...outsideRoot,
        '.github/mergeplane.yml':
          'argocd:\n  kustomize:\n    buildOptions: --load-restrictor LoadRestrictionsNone\n',
      },
      { 'shared/app.properties': 'mode=green\n' },
    );
    const web = report.apps.find((a) => a.name === 'web')!;
    expect(web.status).toBe('changed');
    expect(web.resources?.map((r) => `${r.action} ${r.kind}`).sort()).toEqual([
      'create ConfigMap',
      'delete ConfigMap',
    ]);
    expect(report.gates.find((g) => g.id === 'render')?.status).toBe('pass');
  });

  it('LoadRestrictionsNone still reads nothing outside the checkout, by path or by link', async () => {
    const config = 'argocd:\n  kustomize:\n    buildOptions: --load-restrictor LoadRestrictionsNone\n';
    const leaks: TreeSpec[] = [
      {
        'overlays/prod/kustomization.yaml':
          'configMapGenerator:\n  - name: settings\n    files: [../../../../../etc/hostname]\n',
      },
      { 'shared/app.properties': { symlink: '/etc/hostname' } },
    ];
    for (const leak of leaks) {
      const report = await planRepo({ ...outsideRoot, '.github/mergeplane.yml': config }, leak);
      const web = report.apps.find((a) => a.name === 'web')!;
      expect(web.status).toBe('error');
      expect(web.error).toMatch(/leaves the repository|outside/);
    }
  });

  it('build options that run programs are refused by the config gate', async () => {
    const report = await planRepo(
      {
        ...outsideRoot,
        '.github/mergeplane.yml':
          'argocd:\n  kustomize:\n    buildOptions: --enable-alpha-plugins --enable-exec\n',
      },
      { 'shared/app.properties': 'mode=green\n' },
    );
    expect(report.gates).toContainEqual(expect.objectContaining({ id: 'config', status: 'fail' }));
  });

  it('resource.exclusions: an excluded kind is neither diffed nor counted, and listed as not applied', async () => {
    const report = await planRepo(
      {
        '.github/mergeplane.yml':
          'argocd:\n  resource:\n    exclusions:\n      - apiGroups: ["*"]\n        kinds: [ProviderConfigUsage]\n',
        'apps/web.yaml': app('web', 'web'),
        'web/cm.yaml': configMap('settings', 'a'),
      },
      {
        'web/cm.yaml': configMap('settings', 'b'),
        'web/usage.yaml':
          'apiVersion: aws.upbound.io/v1beta1\nkind: ProviderConfigUsage\nmetadata:\n  name: usage\n',
      },
    );
    const web = report.apps.find((a) => a.name === 'web')!;
    expect(web.resources?.map((r) => r.kind)).toEqual(['ConfigMap']);
    expect(web.notApplied).toEqual(['ProviderConfigUsage web/usage (resource.exclusions)']);
  });

  it('resource.inclusions: only included kinds are managed', async () => {
    const report = await planRepo(
      {
        '.github/mergeplane.yml':
          'argocd:\n  resource:\n    inclusions:\n      - apiGroups: [""]\n        kinds: [ConfigMap]\n',
        'apps/web.yaml': app('web', 'web'),
        'web/cm.yaml': configMap('settings', 'a'),
      },
      {
        'web/cm.yaml': configMap('settings', 'b'),
        'web/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n',
      },
    );
    expect(report.apps.find((a) => a.name === 'web')?.resources?.map((r) => r.kind)).toEqual(['ConfigMap']);
  });

  it('resource.customizations.ignoreDifferences: a group_kind rule and an all rule hide those fields', async () => {
    const deployment = (replicas: number, team: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  annotations:\n    team: ${team}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers: [{name: api, image: api:1}]\n`;
    const report = await planRepo(
      {
        '.github/mergeplane.yml': [
          'argocd:',
          '  resource:',
          '    customizations:',
          '      ignoreDifferences:',
          '        apps_Deployment:',
          '          jsonPointers: [/spec/replicas]',
          '        all:',
          '          jqPathExpressions: [.metadata.annotations.team]',
          '',
        ].join('\n'),
        'apps/web.yaml': app('web', 'web'),
        'web/api.yaml': deployment(1, 'a'),
      },
      { 'web/api.yaml': deployment(3, 'b') },
    );
    expect(report.apps.find((a) => a.name === 'web')?.status).toBe('unchanged');
  });

  it('trackingMethod: created objects carry the tracking the instance writes', async () => {
    const report = await planRepo(
      {
        '.github/mergeplane.yml': 'argocd:\n  trackingMethod: annotation+label\n',
        'apps/web.yaml': app('web', 'web'),
        'web/cm.yaml': configMap('settings', 'a'),
      },
      { 'web/extra.yaml': configMap('extra', 'x') },
    );
    const created = report.apps.find((a) => a.name === 'web')!.resources!.find((r) => r.action === 'create')!;
    expect(created.diff).toMatch(/^\+\s+argocd\.argoproj\.io\/tracking-id: web:\/ConfigMap:web\/extra$/m);
    expect(created.diff).toMatch(/^\+\s+app\.kubernetes\.io\/instance: web$/m);
  });

  describe('kustomize.buildOptions --enable-helm', () => {
    let helmRepo: LoopbackServer;
    let cacheDir: string;
    beforeAll(async () => {
      helmRepo = await startHelmRepository([
        packageChart('ingress', '1.0.0'),
        packageChart('ingress', '1.1.0'),
      ]);
      cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-conformance-charts-'));
    });
    afterAll(async () => {
      await helmRepo.close();
      rmSync(cacheDir, { recursive: true, force: true });
    });

    const kustomized = (version: string) => ({
      '.github/mergeplane.yml': 'argocd:\n  kustomize:\n    buildOptions: --enable-helm\n',
      'apps/web.yaml': app('web', 'edge'),
      'edge/kustomization.yaml': [
        'namePrefix: prod-',
        'helmCharts:',
        '  - name: ingress',
        `    repo: ${helmRepo.url}`,
        `    version: ${version}`,
        '    releaseName: edge',
        '    valuesInline:',
        '      greeting: bonjour',
        '',
      ].join('\n'),
    });

    it('inflates helmCharts as kustomize does: the chart rendered, then the kustomization transforms it', async () => {
      const report = await planRepo(kustomized('1.0.0'), kustomized('1.1.0'), {
        env: loopbackChartEnv(cacheDir),
      });
      const web = report.apps.find((a) => a.name === 'web')!;
      expect(web.error).toBeUndefined();
      const deployment = web.resources?.find((r) => r.kind === 'Deployment');
      expect(deployment?.name).toBe('prod-edge');
      expect(deployment?.diff).toMatch(/^\+\s+- image: registry\.example\/ingress:1\.1\.0$/m);
      const config = web.resources?.find((r) => r.kind === 'ConfigMap');
      expect(config?.diff).toMatch(/^\+\s+chart: 1\.1\.0$/m);
    });

    it('a helmCharts version that is a path is refused, never used to find a chart directory', async () => {
      const base = kustomized('1.0.0');
      const report = await planRepo(
        base,
        {
          'edge/kustomization.yaml': base['edge/kustomization.yaml'].replace(
            'version: 1.0.0',
            'version: ../../../../etc',
          ),
        },
        { env: loopbackChartEnv(cacheDir) },
      );
      expect(report.apps.find((a) => a.name === 'web')?.error).toMatch(/is not a chart version/);
    });

    it('without --enable-helm, helmCharts are named as not rendered', async () => {
      const { '.github/mergeplane.yml': _config, ...base } = kustomized('1.0.0');
      const report = await planRepo(base, {
        'edge/kustomization.yaml': kustomized('1.1.0')['edge/kustomization.yaml'],
      });
      expect(report.gates).toContainEqual(expect.objectContaining({ id: 'unsupported', app: 'web' }));
    });
  });
});
