import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoRepo } from '../../scripts/build-demo-repo.ts';
import { planChange } from '../../src/engine/plan-change.ts';
import type { PlanReport } from '../../src/model/plan-report.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';

// The demo pull request's new cluster claim, committed here on a branch of its own.
const NEW_CLUSTER = readFileSync(
  new URL('../../fixtures/demo/head/infra/clusters/prod-sa.yaml', import.meta.url),
  'utf8',
);

let tmp: string;
let report: PlanReport;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mergeplane-xp-plan-'));
  const repo = buildDemoRepo(join(tmp, 'repo'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo.dir });
  git('checkout', '-q', '-b', 'new-cluster', 'main');
  mkdirSync(join(repo.dir, 'infra/clusters'), { recursive: true });
  writeFileSync(join(repo.dir, 'infra/clusters/prod-sa.yaml'), NEW_CLUSTER);
  git('add', '-A');
  git('commit', '-q', '-m', 'add prod-sa cluster');
  report = await planChange({ repoDir: repo.dir, base: 'main', head: 'new-cluster', cacheDir: false });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a cluster claim that violates its XRD', () => {
  it('fails the claims gate at the claim file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mergeplane-xp-invalid-'));
    try {
      const repo = buildDemoRepo(join(dir, 'repo'));
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
          cwd: repo.dir,
        });
      git('checkout', '-q', '-b', 'bad-region', 'main');
      writeFileSync(
        join(repo.dir, 'infra/clusters/prod-sa.yaml'),
        NEW_CLUSTER.replace('us-east-1', 'sa-east-1'),
      );
      git('add', '-A');
      git('commit', '-q', '-m', 'add a cluster in an unsupported region');
      const invalid = await planChange({
        repoDir: repo.dir,
        base: 'main',
        head: 'bad-region',
        cacheDir: false,
      });
      const gate = invalid.gates.find((g) => g.id === 'claims' && g.status === 'fail');
      // The line of `region:` itself, not just the claim's first line.
      const regionLine = NEW_CLUSTER.split('\n').findIndex((line) => line.includes('region:')) + 1;
      expect(gate).toMatchObject({ file: 'infra/clusters/prod-sa.yaml', line: regionLine });
      expect(gate!.message).toContain('region');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a pull request adding a cluster claim to the demo repository', () => {
  it('plans the claim with its composed resources', () => {
    const claim = report.claims.find((c) => c.name === 'prod-sa');
    expect(claim).toMatchObject({ kind: 'KubernetesCluster', namespace: 'platform', action: 'create' });
    expect(claim!.composed.length).toBeGreaterThan(0);
    expect(claim!.composed.every((c) => c.action === 'create')).toBe(true);
    expect(claim!.destructive).toBe(false);
  });

  it('shows which ApplicationSet will target the new cluster once it is registered', () => {
    const claim = report.claims.find((c) => c.name === 'prod-sa')!;
    expect(claim.registersCluster).toBe(true);
    expect(claim.clusterTargets).toEqual([
      expect.objectContaining({ applicationSet: 'guestbook', apps: ['guestbook-prod-sa'] }),
    ]);
  });

  it('puts the provisioning plan in the comment and passes the gates', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('Provisioning plan');
    expect(markdown).toContain('prod-sa');
    expect(markdown).toContain('guestbook-prod-sa');
    expect(report.gates.filter((g) => g.status !== 'pass')).toEqual([]);
    expect(report.claims.filter((c) => c.action !== 'unchanged').map((c) => c.name)).toEqual(['prod-sa']);
  });
});

describe('a pull request resizing the demo database', () => {
  it('plans the instance class change and names the workload that reads the credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mergeplane-xp-resize-'));
    try {
      const repo = buildDemoRepo(join(dir, 'repo'));
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
          cwd: repo.dir,
        });
      git('checkout', '-q', '-b', 'bigger', 'main');
      const file = join(repo.dir, 'infra/databases/order-service-db.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('size: medium', 'size: large'));
      git('commit', '-q', '-am', 'bigger database');
      const resized = await planChange({ repoDir: repo.dir, base: 'main', head: 'bigger', cacheDir: false });
      const claim = resized.claims.find((c) => c.name === 'order-service-db')!;
      expect(claim).toMatchObject({
        action: 'update',
        destructive: false,
        summary: { add: 0, change: 1, destroy: 0 },
      });
      expect(claim.composed).toEqual([
        expect.objectContaining({
          kind: 'Instance',
          action: 'update',
          fields: [
            expect.objectContaining({ path: 'spec.forProvider.instanceClass', after: 'db.r6g.xlarge' }),
          ],
        }),
      ]);
      expect(claim.consumers).toEqual(['Deployment commerce/order-service']);
      // Rendering the consumer to find it does not make its app part of the diff.
      expect(resized.apps.find((a) => a.name === 'order-service')?.status).toBe('unchanged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
