import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFileReader } from '../../src/config/config-extends.ts';
import { planChange } from '../../src/engine/plan-change.ts';
import { renderRequests } from '../../src/engine/render-requests.ts';
import type { RenderJobData } from '../../src/queue/render-queue.ts';
import { createQueueRenderFarm, createRenderWorker } from '../../src/queue/render-queue.ts';
import { applicationYaml, configMap, ORIGIN } from '../conformance/conformance-repo.ts';
import { createGitFixture, type GitFixture } from '../support/git-fixture.ts';
import { assertRedisReachable, createRedisScope, redisUrl } from './redis-test-env.ts';

const APPS = 6;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(async () => {
  await assertRedisReachable();
});

/** A shared base that every overlay reads, then a change of the base: every app changes. */
function repository(): { repo: GitFixture; base: string; head: string } {
  const repo = createGitFixture({ origin: ORIGIN });
  cleanups.push(() => repo.cleanup());
  const files: Record<string, string> = {
    'base/kustomization.yaml': 'resources: [cm.yaml]\n',
    'base/cm.yaml': configMap('settings', 'one'),
  };
  for (let i = 0; i < APPS; i++) {
    files[`overlays/app-${i}/kustomization.yaml`] = `resources: [../../base]\nnamePrefix: app-${i}-\n`;
    files[`apps/app-${i}.yaml`] = applicationYaml(`app-${i}`, {
      repoURL: ORIGIN,
      path: `overlays/app-${i}`,
      targetRevision: 'main',
    });
  }
  const base = repo.commit(files);
  repo.git('checkout', '-q', '-b', 'change');
  const head = repo.commit({ 'base/cm.yaml': configMap('settings', 'two') });
  return { repo, base, head };
}

/** A farm of this test's queue prefix: `threshold` renders or more go to the workers. */
function farmOn(prefix: string, threshold: number) {
  const repository = { owner: 'acme', repo: 'gitops', installationId: 1 };
  return createQueueRenderFarm({ connection: redisUrl, prefix, repository, threshold, timeoutMs: 60_000 });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-farm-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the render farm on BullMQ', () => {
  it('spreads a large change over the workers, and the plan is the one a lone worker makes', async () => {
    const { repo, base, head } = repository();
    const scope = createRedisScope();
    cleanups.push(() => scope.cleanup());
    const cacheDir = tempDir();
    const rendered: number[] = [];
    for (let worker = 0; worker < 2; worker++) {
      rendered.push(0);
      const run = async (data: RenderJobData) => {
        const result = await renderRequests(data.requests, { ...data.plan, repoDir: repo.dir, cacheDir });
        rendered[worker]! += result.rendered;
      };
      scope.track(createRenderWorker({ connection: redisUrl, prefix: scope.prefix, concurrency: 1, run }));
    }
    const farm = farmOn(scope.prefix, 2);
    const options = { repoDir: repo.dir, base, head, baseBranch: 'main' };
    const farmed = await planChange({ ...options, cacheDir, farm });
    const alone = await planChange({ ...options, cacheDir: tempDir() });
    expect(farmed).toEqual(alone);
    expect(alone.apps.filter((a) => a.status === 'changed')).toHaveLength(APPS);
    // Both sides of every app, rendered by the workers (the plan then found them in the shared cache).
    expect(rendered[0]! + rendered[1]!).toBe(2 * APPS);
  });

  it('reads organisation defaults (_extends) in the workers as the plan did', async () => {
    const { repo } = repository();
    repo.git('checkout', '-q', 'main');
    const base = repo.commit({ '.github/mergeplane.yml': '_extends: .github\n' });
    repo.git('checkout', '-q', '-B', 'change');
    const head = repo.commit({ 'base/cm.yaml': configMap('settings', 'three') });
    const defaults: ConfigFileReader = async (source) =>
      source.repo === '.github' ? 'render: {concurrency: 2}\n' : undefined;
    const scope = createRedisScope();
    cleanups.push(() => scope.cleanup());
    const cacheDir = tempDir();
    let rendered = 0;
    let failed = 0;
    const jobs: RenderJobData[] = [];
    const run = async (data: RenderJobData) => {
      jobs.push(data);
      const options = { ...data.plan, repoDir: repo.dir, cacheDir, configExtends: defaults };
      const result = await renderRequests(data.requests, options);
      rendered += result.rendered;
      failed += result.failed;
    };
    scope.track(createRenderWorker({ connection: redisUrl, prefix: scope.prefix, concurrency: 1, run }));
    const farm = farmOn(scope.prefix, 2);
    const report = await planChange({
      ...{ repoDir: repo.dir, base, head, baseBranch: 'main', cacheDir, farm },
      configExtends: defaults,
    });
    expect(report.apps.filter((a) => a.status === 'changed')).toHaveLength(APPS);
    expect({ rendered, failed }).toEqual({ rendered: 2 * APPS, failed: 0 });
    // Without the defaults a worker cannot rebuild the plan's config: it renders nothing (the plan would).
    // (A clone of its own: a worker keeps each plan's context per clone and base.)
    const job = jobs[0]!;
    const clone = tempDir();
    repo.git('clone', '-q', '--no-checkout', repo.dir, clone);
    const alone = await renderRequests(job.requests, { ...job.plan, repoDir: clone, cacheDir: tempDir() });
    expect(alone).toEqual({ rendered: 0, failed: job.requests.length });
  });

  it('loses nothing when a worker dies holding a render job: another takes it once its lock expires', async () => {
    const { repo, base, head } = repository();
    const scope = createRedisScope();
    cleanups.push(() => scope.cleanup());
    const cacheDir = tempDir();
    const timing = { lockDuration: 1_000, stalledInterval: 300 };
    let took: () => void = () => {};
    const tookJob = new Promise<void>((resolve) => {
      took = resolve;
    });
    // Takes one job and never finishes it: a process that hung or died mid-render.
    const dying = createRenderWorker({
      connection: redisUrl,
      prefix: scope.prefix,
      concurrency: 1,
      ...timing,
      run: () => {
        took();
        return new Promise(() => {});
      },
    });
    let survivorRendered = 0;
    const farm = farmOn(scope.prefix, 1);
    const planned = planChange({ repoDir: repo.dir, base, head, baseBranch: 'main', cacheDir, farm });
    await tookJob;
    await dying.close(true);
    scope.track(
      createRenderWorker({
        connection: redisUrl,
        prefix: scope.prefix,
        concurrency: 1,
        ...timing,
        run: async (data) => {
          survivorRendered += (
            await renderRequests(data.requests, { ...data.plan, repoDir: repo.dir, cacheDir })
          ).rendered;
        },
      }),
    );
    const report = await planned;
    expect(report.apps.filter((a) => a.status === 'changed')).toHaveLength(APPS);
    expect(survivorRendered).toBe(2 * APPS);
  });
});
