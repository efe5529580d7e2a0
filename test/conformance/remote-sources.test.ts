import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppReport, PlanReport } from '../../src/model/plan-report.ts';
import {
  type LoopbackServer,
  loopbackChartEnv,
  packageChart,
  startHelmRepository,
  startOciRegistry,
} from '../support/chart-servers.ts';
import { createGitFixture } from '../support/git-fixture.ts';
import { applicationYaml, ORIGIN, planRepo } from './conformance-repo.ts';

/**
 * Issue 11, failure 1: Applications whose only source is a chart repository or another git repository.
 * Argo CD renders them from where they live (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/,
 * .../multiple_sources/): a chart version bump changes what is deployed; deleting the Application deletes its
 * resources (with the resources-finalizer); a `$values` ref reads value files of this repository.
 */
const PVC =
  'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Release.Name }}-data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n';

let helmRepo: LoopbackServer;
let registry: LoopbackServer;
let cacheDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const charts = ['1.0.0', '1.1.0'].flatMap((v) => [
    packageChart('ingress', v),
    packageChart('store', v, { 'pvc.yaml': PVC }),
  ]);
  helmRepo = await startHelmRepository(charts);
  registry = await startOciRegistry(charts);
  cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-conformance-charts-'));
  env = loopbackChartEnv(cacheDir, [registry]);
});
afterAll(async () => {
  await Promise.all([helmRepo.close(), registry.close()]);
  rmSync(cacheDir, { recursive: true, force: true });
});

const chartApp = (name: string, repoURL: string, chart: string, version: string) =>
  applicationYaml(name, { repoURL, chart, targetRevision: version });

const app = (report: PlanReport, name: string): AppReport => {
  const found = report.apps.find((a) => a.name === name);
  if (!found) throw new Error(`no app ${name} in ${report.apps.map((a) => a.name).join(', ')}`);
  return found;
};
const resource = (a: AppReport, kind: string) => (a.resources ?? []).find((r) => r.kind === kind);

describe('Applications whose sources are not in this repository', () => {
  it('a chart version bump is planned: rendered at both versions, its definition diff shown', async () => {
    const report = await planRepo(
      { 'apps/ingress.yaml': chartApp('ingress', helmRepo.url, 'ingress', '1.0.0') },
      { 'apps/ingress.yaml': chartApp('ingress', helmRepo.url, 'ingress', '1.1.0') },
      { env },
    );
    const ingress = app(report, 'ingress');
    expect(ingress.status).toBe('changed');
    expect(ingress.sourceType).toBe('helm');
    const deployment = resource(ingress, 'Deployment');
    expect(deployment?.action).toBe('update');
    expect(deployment?.diff).toMatch(/^-\s+- image: registry\.example\/ingress:1\.0\.0$/m);
    expect(deployment?.diff).toMatch(/^\+\s+- image: registry\.example\/ingress:1\.1\.0$/m);
    expect(ingress.definition).toMatch(/^-\s+targetRevision: 1\.0\.0$/m);
    expect(ingress.definition).toMatch(/^\+\s+targetRevision: 1\.1\.0$/m);
    expect(ingress.lines?.added).toBeGreaterThan(0);
    expect(ingress.lines?.removed).toBe(ingress.lines?.added);
    expect(report.gates.every((g) => g.status === 'pass')).toBe(true);
  });

  it('the same bump from an OCI registry', async () => {
    const repoURL = `oci://${registry.host}/charts`;
    const report = await planRepo(
      { 'apps/ingress.yaml': chartApp('ingress', repoURL, 'ingress', '1.0.0') },
      { 'apps/ingress.yaml': chartApp('ingress', repoURL, 'ingress', '1.1.0') },
      { env },
    );
    expect(resource(app(report, 'ingress'), 'ConfigMap')?.diff).toMatch(/^\+\s+chart: 1\.1\.0$/m);
  });

  it('deleting the Application file removes its resources and fires the destructive gate', async () => {
    const report = await planRepo(
      { 'apps/store.yaml': chartApp('store', helmRepo.url, 'store', '1.0.0') },
      { 'apps/store.yaml': null },
      { env },
    );
    const store = app(report, 'store');
    expect(store.status).toBe('removed');
    expect((store.resources ?? []).map((r) => `${r.action} ${r.kind}`).sort()).toEqual([
      'delete ConfigMap',
      'delete Deployment',
      'delete PersistentVolumeClaim',
    ]);
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'destructive', status: 'needs-approval' }),
    );
  });

  it('a chart repository the change introduces needs approval instead of being fetched', async () => {
    const requests = helmRepo.requests.length;
    const report = await planRepo(
      { 'apps/other.yaml': chartApp('other', `oci://${registry.host}/charts`, 'ingress', '1.0.0') },
      {
        'apps/other.yaml': chartApp('other', `oci://${registry.host}/charts`, 'ingress', '1.0.0'),
        'apps/ingress.yaml': chartApp('ingress', helmRepo.url, 'ingress', '1.1.0'),
      },
      { env },
    );
    const ingress = app(report, 'ingress');
    expect(ingress.status).toBe('error');
    expect(ingress.error).toMatch(/chart repository .* is new in this change/);
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'unsupported', status: 'needs-approval', app: 'ingress' }),
    );
    expect(helmRepo.requests.length).toBe(requests);
  });

  it('an unreachable chart repository is that app’s error', async () => {
    const gone = await startHelmRepository([]);
    await gone.close();
    const report = await planRepo(
      { 'apps/ingress.yaml': chartApp('ingress', gone.url, 'ingress', '1.0.0') },
      { 'apps/ingress.yaml': chartApp('ingress', gone.url, 'ingress', '1.1.0') },
      { env },
    );
    expect(app(report, 'ingress')).toMatchObject({ status: 'error' });
    expect(app(report, 'ingress').error).toMatch(/cannot fetch the chart/);
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'render', status: 'fail', app: 'ingress' }),
    );
  });

  it('a chart of this repository with a dependency from a chart repository: Chart.lock pins it, a bump is planned', async () => {
    const umbrella = (version: string) => ({
      'apps/edge.yaml': applicationYaml('edge', { repoURL: ORIGIN, path: 'charts/edge' }),
      'charts/edge/Chart.yaml': `apiVersion: v2\nname: edge\nversion: 0.1.0\ndependencies:\n  - name: ingress\n    version: ">=1.0.0"\n    repository: ${helmRepo.url}\n`,
      // helm dependency build installs what Chart.lock pins, not the newest version the constraint allows.
      'charts/edge/Chart.lock': `dependencies:\n  - name: ingress\n    repository: ${helmRepo.url}\n    version: ${version}\ndigest: sha256:0\ngenerated: "2026-01-01T00:00:00Z"\n`,
    });
    const report = await planRepo(umbrella('1.0.0'), umbrella('1.1.0'), { env });
    const edge = app(report, 'edge');
    expect(edge.error).toBeUndefined();
    expect(edge.status).toBe('changed');
    const deployment = resource(edge, 'Deployment');
    expect(deployment?.diff).toMatch(/^-\s+- image: registry\.example\/ingress:1\.0\.0$/m);
    expect(deployment?.diff).toMatch(/^\+\s+- image: registry\.example\/ingress:1\.1\.0$/m);
  });

  it('a dependency whose name is a path is refused before anything is written', async () => {
    const chart = (name: string) => ({
      'apps/edge.yaml': applicationYaml('edge', { repoURL: ORIGIN, path: 'charts/edge' }),
      'charts/edge/Chart.yaml': `apiVersion: v2\nname: edge\nversion: 0.1.0\ndependencies:\n  - name: "${name}"\n    version: 1.0.0\n    repository: ${helmRepo.url}\n`,
    });
    const report = await planRepo(chart('ingress'), chart('../../../escape'), { env });
    expect(app(report, 'edge').error).toMatch(/is not a chart name/);
  });

  it('a value file of this repository read through a $values ref makes the app affected', async () => {
    const multi = (greeting: string) => ({
      'apps/ingress.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: ${helmRepo.url}
      chart: ingress
      targetRevision: 1.0.0
      helm:
        valueFiles: [$values/values/ingress.yaml]
    - repoURL: ${ORIGIN}
      targetRevision: HEAD
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: ingress
`,
      'values/ingress.yaml': `greeting: ${greeting}\n`,
    });
    const report = await planRepo(multi('hello'), { 'values/ingress.yaml': 'greeting: bonjour\n' }, { env });
    const ingress = app(report, 'ingress');
    expect(ingress.status).toBe('changed');
    expect(resource(ingress, 'ConfigMap')?.diff).toMatch(/^\+\s+greeting: bonjour$/m);
  });
});

describe('Applications pinned to another revision or repository', () => {
  const pinned = (name: string, repoURL: string, revision: string) =>
    applicationYaml(name, { repoURL, path: 'deploy', targetRevision: revision });
  const cm = (value: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: ${value}\n`;

  it('a tag of this repository: moving the app from v1 to v2 diffs the two tags', async () => {
    const report = await planRepo(
      { 'deploy/cm.yaml': cm('one'), 'apps/pinned.yaml': pinned('pinned', ORIGIN, 'v1') },
      { 'apps/pinned.yaml': pinned('pinned', ORIGIN, 'v2') },
      {
        beforeChange: (repo) => {
          repo.git('tag', 'v1');
          repo.commit({ 'deploy/cm.yaml': cm('two') }, 'two');
          repo.git('tag', 'v2');
          // main moves on; the pinned app does not follow it.
          repo.commit({ 'deploy/cm.yaml': cm('three') }, 'three');
        },
      },
    );
    const diff = resource(app(report, 'pinned'), 'ConfigMap')?.diff ?? '';
    expect(diff).toMatch(/^-\s+value: one$/m);
    expect(diff).toMatch(/^\+\s+value: two$/m);
  });

  it('files on the tracked branch do not affect an app pinned to a tag', async () => {
    const report = await planRepo(
      { 'deploy/cm.yaml': cm('one'), 'apps/pinned.yaml': pinned('pinned', ORIGIN, 'v1') },
      { 'deploy/cm.yaml': cm('changed on main') },
      { beforeChange: (repo) => repo.git('tag', 'v1') },
    );
    expect(app(report, 'pinned').status).toBe('unchanged');
  });

  it('another repository: read from the --source directory, named when none is given', async () => {
    const other = createGitFixture();
    try {
      other.commit({ 'deploy/cm.yaml': cm('main') }, 'main');
      other.git('tag', 'stable');
      other.commit({ 'deploy/cm.yaml': cm('next') }, 'next');
      const OTHER = 'https://github.com/acme/other.git';
      const base = { 'apps/ext.yaml': pinned('ext', OTHER, 'stable') };
      const head = { 'apps/ext.yaml': pinned('ext', OTHER, 'HEAD') };
      const mapped = await planRepo(base, head, { sourceDirs: { [OTHER]: other.dir } });
      const diff = resource(app(mapped, 'ext'), 'ConfigMap')?.diff ?? '';
      expect(diff).toMatch(/^-\s+value: main$/m);
      expect(diff).toMatch(/^\+\s+value: next$/m);

      const unmapped = await planRepo(base, head);
      expect(app(unmapped, 'ext').status).toBe('error');
      expect(app(unmapped, 'ext').error).toContain(`--source ${OTHER}=DIR`);
      expect(unmapped.gates).toContainEqual(
        expect.objectContaining({ id: 'unsupported', status: 'needs-approval', app: 'ext' }),
      );
    } finally {
      other.cleanup();
    }
  });
});
