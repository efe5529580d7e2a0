import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PlanInputError, planChange, planChangeWithContext } from '../../src/engine/plan-change.ts';
import { UnknownRefError } from '../../src/git/git-repository.ts';
import type { AppReport, PlanReport } from '../../src/model/plan-report.ts';
import type { PlanLogger } from '../../src/plan/plan-logger.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { SAMPLE_ORIGIN, sampleBaseTree, sampleHeadChange } from '../support/sample-gitops-repo.ts';

function recordingLogger(): PlanLogger & { rendered: string[] } {
  const rendered: string[] = [];
  return {
    rendered,
    debug(meta, message) {
      if (message === 'application rendered') rendered.push(`${meta.side}:${meta.app}`);
    },
    info() {},
    warn() {},
  };
}

function app(report: PlanReport, name: string): AppReport {
  const found = report.apps.find((a) => a.name === name);
  if (!found) throw new Error(`no app ${name} in report: ${report.apps.map((a) => a.name).join(', ')}`);
  return found;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fixture(): GitFixture {
  const repo = createGitFixture({ origin: SAMPLE_ORIGIN });
  cleanups.push(() => repo.cleanup());
  return repo;
}

describe('planChange on a sample repository', () => {
  let repo: GitFixture;
  let report: PlanReport;
  let logger: ReturnType<typeof recordingLogger>;
  let base: string;
  let head: string;

  beforeAll(async () => {
    repo = createGitFixture({ origin: SAMPLE_ORIGIN });
    base = repo.commit(sampleBaseTree(), 'base');
    repo.git('checkout', '-q', '-b', 'change');
    head = repo.commit(sampleHeadChange(), 'head');
    logger = recordingLogger();
    report = await planChange({ repoDir: repo.dir, base: 'main', head: 'change', cacheDir: false, logger });
    return () => repo.cleanup();
  });

  it('hands over what Argo CD would apply of each affected app’s head render, and nothing for the others', async () => {
    const planned = await planChangeWithContext({
      repoDir: repo.dir,
      base: 'main',
      head: 'change',
      cacheDir: false,
    });
    const affected = planned.report.apps.filter(
      (a) => a.status !== 'unchanged' && a.status !== 'removed' && a.status !== 'error',
    );
    expect(affected.length).toBeGreaterThan(0);
    expect([...(planned.headObjects?.keys() ?? [])].sort()).toEqual(
      affected.map((a) => `${a.namespace}/${a.name}`).sort(),
    );
    for (const objects of planned.headObjects?.values() ?? []) {
      expect(objects.every((o) => typeof o.kind === 'string' && typeof o.metadata?.name === 'string')).toBe(
        true,
      );
    }
  });

  it('resolves both revisions', () => {
    expect(report.base).toBe(base);
    expect(report.head).toBe(head);
  });

  it('lists an Application whose sources live elsewhere, unchanged when the change leaves its definition alone', () => {
    // Issue 11: every Application defined in the repository is in the report; its sources are not in the change.
    expect(app(report, 'external')).toMatchObject({ status: 'unchanged' });
    expect(app(report, 'external').resources).toBeUndefined();
  });

  it('finds a change in a kustomize base outside the app path', () => {
    const kust = app(report, 'kust');
    expect(kust.status).toBe('changed');
    expect(kust.sourceType).toBe('kustomize');
    expect(kust.resources).toHaveLength(1);
    const [deployment] = kust.resources!;
    expect(deployment).toMatchObject({
      kind: 'Deployment',
      name: 'prod-kust',
      namespace: 'kust',
      action: 'update',
    });
    expect(deployment!.diff).toMatch(/^-\s+- image: registry\.example\/kust:1\.0\.0$/m);
    expect(deployment!.diff).toMatch(/^\+\s+- image: registry\.example\/kust:1\.1\.0$/m);
  });

  it('finds a change in a Helm values file outside the chart, honouring ignoreDifferences', () => {
    const web = app(report, 'web');
    expect(web.status).toBe('changed');
    expect(web.sourceType).toBe('helm');
    const diff = web.resources!.map((r) => r.diff).join('\n');
    expect(diff).toMatch(/^\+\s+- image: nginx:1\.27$/m);
    expect(diff).not.toMatch(/^[-+]\s+replicas:/m);
  });

  it('redacts Secret values but shows that they changed', () => {
    const plain = app(report, 'plain');
    const secret = plain.resources!.find((r) => r.kind === 'Secret')!;
    expect(secret.action).toBe('update');
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(secret.diff).toMatch(/^-.*\+{8}/m);
    expect(secret.diff).toMatch(/^\+.*\+{12}/m);
  });

  it('reports an app-of-apps child added at head', () => {
    const child = app(report, 'child-b');
    expect(child.status).toBe('added');
    expect(child.origin).toBe('app-of-apps:root');
    expect(child.resources!.map((r) => `${r.action} ${r.kind} ${r.name}`)).toEqual([
      'create ConfigMap child-b',
    ]);
  });

  it('expands the ApplicationSet and plans only the generated app whose files changed', () => {
    expect(app(report, 'team-red')).toMatchObject({ status: 'changed', origin: 'applicationset:teams' });
    expect(app(report, 'team-blue').status).toBe('unchanged');
  });

  it('does not render unaffected applications', () => {
    expect(app(report, 'child-a').status).toBe('unchanged');
    expect(app(report, 'child-a').resources).toBeUndefined();
    expect(logger.rendered).not.toContain('base:child-a');
    expect(logger.rendered).not.toContain('head:team-blue');
    expect(logger.rendered).toContain('head:kust');
  });

  it('shows the app-of-apps parent changed by its new child Application', () => {
    const root = app(report, 'root');
    expect(root.status).toBe('changed');
    expect(root.resources!.map((r) => `${r.action} ${r.kind} ${r.name}`)).toEqual([
      'create Application child-b',
    ]);
  });

  it('summarizes and passes the gates', () => {
    expect(report.summary.apps).toEqual({
      added: 1,
      changed: 5,
      removed: 0,
      renamed: 0,
      unchanged: 3,
      error: 0,
    });
    expect(report.gates.every((g) => g.status === 'pass')).toBe(true);
  });
});

describe('planChange failure handling', () => {
  it('reports a broken chart as an error of that app only, failing the render gate', async () => {
    const repo = fixture();
    repo.commit(sampleBaseTree());
    repo.commit({
      'charts/web/templates/broken.yaml': 'kind: ConfigMap\n{{ .Values.missing.deeper }}\n',
      'kustomize/base/deployment.yaml': sampleHeadChange()['kustomize/base/deployment.yaml'] as string,
    });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    const web = app(report, 'web');
    expect(web.status).toBe('error');
    expect(web.error).toMatch(/nil pointer|missing|deeper/);
    expect(app(report, 'kust').status).toBe('changed');
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'render', status: 'fail', app: 'web' }),
    );
  });

  it('fails an app whose values file links outside the checkout, without leaking the target', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'mergeplane-secret-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const secretFile = join(outside, 'host-secret.yaml');
    writeFileSync(secretFile, 'token: TOP-SECRET-MARKER-1234\n');
    const repo = fixture();
    repo.commit(sampleBaseTree());
    repo.commit({ 'values/web-prod.yaml': { symlink: secretFile } });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(app(report, 'web').status).toBe('error');
    expect(JSON.stringify(report)).not.toContain('TOP-SECRET-MARKER');
    expect(report.gates.some((g) => g.id === 'render' && g.status === 'fail')).toBe(true);
  });

  it('turns an invalid repository config into a failing config gate', async () => {
    const repo = fixture();
    repo.commit({ ...sampleBaseTree(), '.github/mergeplane.yml': 'render:\n  concurrency: lots\n' });
    repo.commit({ 'values/web-prod.yaml': 'replicas: 4\n' });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(report.apps).toEqual([]);
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'config', status: 'fail', file: '.github/mergeplane.yml', line: 2 }),
    );
  });

  it('reads the gates from the base revision: a change cannot loosen its own gate', async () => {
    const repo = fixture();
    repo.commit({
      ...sampleBaseTree(),
      'manifests/plain/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: plain\n',
    });
    repo.commit({
      '.github/mergeplane.yml': 'approval:\n  destructiveKinds: []\n',
      'manifests/plain/ns.yaml': null,
    });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'destructive', status: 'needs-approval', app: 'plain' }),
    );
  });

  it('reports an app whose path disappeared as an error', async () => {
    const repo = fixture();
    repo.commit(sampleBaseTree());
    repo.commit({ 'manifests/child-a/cm.yaml': null });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(app(report, 'child-a')).toMatchObject({
      status: 'error',
      error: expect.stringContaining('manifests/child-a'),
    });
  });

  it('asks for approval when a destructive kind is deleted', async () => {
    const repo = fixture();
    repo.commit({
      ...sampleBaseTree(),
      'manifests/plain/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: plain\n',
    });
    repo.commit({ 'manifests/plain/ns.yaml': null });
    const report = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', cacheDir: false });
    expect(report.gates).toContainEqual(
      expect.objectContaining({ id: 'destructive', status: 'needs-approval', app: 'plain' }),
    );
  });

  it('names the app and the tool when a render tool is missing, and plans the rest', async () => {
    const repo = fixture();
    repo.commit(sampleBaseTree());
    repo.commit(sampleHeadChange());
    const report = await planChange({
      repoDir: repo.dir,
      base: 'HEAD~1',
      head: 'HEAD',
      cacheDir: false,
      env: { ...process.env, MERGEPLANE_HELM: '/nonexistent/helm' },
    });
    expect(app(report, 'web')).toMatchObject({ status: 'error', error: expect.stringMatching(/web.*helm/) });
    expect(app(report, 'kust').status).toBe('changed');
  });

  it('rejects an unknown ref and an unreadable config file as input errors', async () => {
    const repo = fixture();
    repo.commit(sampleBaseTree());
    await expect(
      planChange({ repoDir: repo.dir, base: 'nope', head: 'HEAD', cacheDir: false }),
    ).rejects.toThrow(UnknownRefError);
    await expect(
      planChange({
        repoDir: repo.dir,
        base: 'HEAD',
        head: 'HEAD',
        configFile: '/nonexistent.yml',
        cacheDir: false,
      }),
    ).rejects.toThrow(PlanInputError);
  });

  it('reuses renders from the cache on a second plan', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'mergeplane-cache-'));
    cleanups.push(() => rmSync(cacheDir, { recursive: true, force: true }));
    const repo = fixture();
    repo.commit(sampleBaseTree());
    repo.commit(sampleHeadChange());
    const first = recordingLogger();
    const firstReport = await planChange({
      repoDir: repo.dir,
      base: 'HEAD~1',
      head: 'HEAD',
      cacheDir,
      logger: first,
    });
    expect(first.rendered.length).toBeGreaterThan(0);
    const second = recordingLogger();
    const secondReport = await planChange({
      repoDir: repo.dir,
      base: 'HEAD~1',
      head: 'HEAD',
      cacheDir,
      logger: second,
    });
    expect(second.rendered).toEqual([]);
    expect(secondReport).toEqual(firstReport);
  });
});
