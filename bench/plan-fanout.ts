// Fan-out of a large change over render worker processes: a monorepo where a pull request changes 1,000 apps,
// planned with 1, 2 and 4 worker processes that each render one app at a time (render.concurrency 1, one job at a
// time), against real Redis. Each round is a new push on top of the last (its base renders already cached, as
// on a second push), so each measures the renders of 1,000 new heads. Prints wall times and ratios to one worker.
// Usage: node bench/plan-fanout.ts [--apps N] [--affected N] [--workers 1,2,4]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { planChange } from '../src/engine/plan-change.ts';
import { parseApplication } from '../src/gitops/application.ts';
import { PlanCaches } from '../src/model/plan-caches.ts';
import type { PlanReport } from '../src/model/plan-report.ts';
import { createQueueRenderFarm } from '../src/queue/render-queue.ts';
import { affectedApps, generateMonorepo, touchApps } from './plan-monorepo.ts';

const here = dirname(fileURLToPath(import.meta.url));
const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@x',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@x',
    },
  }).trim();
}

async function startWorkers(
  count: number,
  o: { prefix: string; repo: string; cache: string },
): Promise<ChildProcess[]> {
  const workers = Array.from({ length: count }, () =>
    spawn(
      process.execPath,
      [
        join(here, 'render-worker.ts'),
        '--prefix',
        o.prefix,
        '--repo',
        o.repo,
        '--cache',
        o.cache,
        '--redis',
        redis,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ),
  );
  await Promise.all(
    workers.map((child) => new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()))),
  );
  return workers;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Every render farmed out, whatever the count, and waited for as long as it takes. */
function farmOf(prefix: string) {
  const repository = { owner: 'bench', repo: 'monorepo', installationId: 1 };
  return createQueueRenderFarm({ connection: redis, prefix, repository, threshold: 1, timeoutMs: 3_600_000 });
}

function changedNames(report: PlanReport): string[] {
  return report.apps
    .filter((a) => a.status !== 'unchanged')
    .map((a) => a.name)
    .sort();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      apps: { type: 'string', default: '1000' },
      affected: { type: 'string', default: '1000' },
      workers: { type: 'string', default: '1,2,4' },
    },
  });
  const work = mkdtempSync(join(tmpdir(), 'mergeplane-fanout-'));
  try {
    const repoDir = join(work, 'repo');
    mkdirSync(repoDir);
    const repo = generateMonorepo(repoDir, Number(values.apps), Number(values.affected));
    const changed = affectedApps(repo.apps, Number(values.affected));
    // Each worker renders one app at a time: render.concurrency 1 in the base revision's config.
    git(repoDir, 'checkout', '-q', 'change');
    mkdirSync(join(repoDir, '.github'), { recursive: true });
    writeFileSync(join(repoDir, '.github/mergeplane.yml'), 'render:\n  concurrency: 1\n');
    git(repoDir, 'add', '-A');
    git(repoDir, 'commit', '-q', '-m', 'render one at a time');
    let base = git(repoDir, 'rev-parse', 'HEAD');
    const cacheDir = join(work, 'render-cache');
    const caches = new PlanCaches();
    const prefix = `mp-bench-${process.pid}`;
    // The base side rendered beforehand (as on a second push): each round then renders exactly its 1,000 new heads.
    process.stderr.write(`rendering the base side of ${changed.length} apps with 4 workers\n`);
    {
      const workers = await startWorkers(4, { prefix, repo: repoDir, cache: cacheDir });
      const farm = farmOf(prefix);
      const requests = changed.map((app) => ({
        label: 'base' as const,
        sha: base,
        app: parseApplication(parse(readFileSync(join(repoDir, `argocd/apps/${app.name}.yaml`), 'utf8')), {
          origin: `argocd/apps/${app.name}.yaml`,
          file: `argocd/apps/${app.name}.yaml`,
        }),
      }));
      await farm.renderAll(requests, { baseSha: base, baseBranch: 'main' });
      await stopWorkers(workers);
    }
    const rows: { workers: number; ms: number; changed: number }[] = [];
    let reference: string[] | undefined;
    let round = 10;
    for (const count of values.workers!.split(',').map(Number)) {
      touchApps(repoDir, changed, round++);
      git(repoDir, 'commit', '-q', '-am', `round ${round}`);
      const head = git(repoDir, 'rev-parse', 'HEAD');
      const workers = await startWorkers(count, { prefix, repo: repoDir, cache: cacheDir });
      const farm = farmOf(prefix);
      const started = performance.now();
      const at = (message: string) =>
        process.stderr.write(`  ${((performance.now() - started) / 1000).toFixed(1)} s ${message}\n`);
      const logger = {
        debug() {},
        info: (_: unknown, message: string) => at(message),
        warn: (_: unknown, message: string) => at(message),
        error: (_: unknown, message: string) => at(message),
      };
      const report = await planChange({
        repoDir,
        base,
        head,
        baseBranch: 'main',
        cacheDir,
        caches,
        farm,
        logger,
      });
      const ms = performance.now() - started;
      await stopWorkers(workers);
      const names = changedNames(report);
      reference ??= names;
      if (names.join() !== reference.join())
        process.stderr.write(`warning: ${count} workers reported other apps\n`);
      rows.push({ workers: count, ms, changed: names.length });
      process.stderr.write(`${count} worker(s): ${(ms / 1000).toFixed(1)} s, ${names.length} apps changed\n`);
      base = head;
    }
    const one = rows.find((r) => r.workers === 1)?.ms ?? rows[0]!.ms;
    process.stdout.write(
      `Mergeplane render fan-out — ${values.apps} apps, ${changed.length} affected, one render per worker at a time (node ${process.version}, 2 cores)\n`,
    );
    process.stdout.write('workers  plan wall  vs 1 worker  apps changed\n');
    for (const r of rows) {
      process.stdout.write(
        `${String(r.workers).padStart(7)}  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${(r.ms / one).toFixed(2).padStart(10)}x  ${String(r.changed).padStart(12)}\n`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
