// Post-merge delivery throughput and latency, on loopback with real Redis (REDIS_URL, default 127.0.0.1:6379,
// random key prefixes wiped afterwards), the fake Kubernetes API server with its simulated Argo CD, and the
// GitHub stand-in (every status is a real HTTP request).
//
// 1. Sync jobs orchestrated per second by ONE deliver worker: one merge whose plan (injected, no git) syncs
//    --apps Applications; Argo CD finishes each sync and health check after --tick ms. Timed from enqueue to
//    the final `mergeplane/deploy` status, once at concurrency 1 and once at the default concurrency.
// 2. Time from the merge webhook to the first commit status through the started server (`startServer`, plan +
//    deliver workers, git over HTTP, the real planner): --merges sequential merges of the demo repository.
//
//   node bench/deliver-throughput.ts [--apps 100] [--tick 1] [--merges 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Octokit } from '@octokit/rest';
import { createDeliverWorker } from '../src/delivery/deliver-worker.ts';
import type { RepoCache } from '../src/git/repo-cache.ts';
import { createKubeDelivery } from '../src/kube/kube-delivery.ts';
import { DEPLOY_STATUS_CONTEXT, type DeliveryPlan, syncTargetKey } from '../src/model/delivery-plan.ts';
import { createDeliverQueue } from '../src/queue/deliver-queue.ts';
import { DEFAULT_WORKER_CONCURRENCY } from '../src/server/worker-env.ts';
import { startDeliveryE2E } from '../test/e2e/delivery-e2e-env.ts';
import { podinfoTag } from '../test/e2e/demo-changes.ts';
import { createE2ERepo } from '../test/e2e/e2e-repo.ts';
import { createRedisScope, redisUrl } from '../test/queue/redis-test-env.ts';
import { APP_ID, generateAppKey, OWNER, REPO } from '../test/server/server-test-env.ts';
import { startFakeGitHub } from '../test/support/fake-github-server.ts';
import { startArgoCdController } from '../test/support/fake-kube/argocd-controller.ts';
import { startFakeKubeServer } from '../test/support/fake-kube/fake-kube-server.ts';

const { values } = parseArgs({
  options: {
    apps: { type: 'string', default: '100' },
    tick: { type: 'string', default: '1' },
    merges: { type: 'string', default: '20' },
  },
});
const apps = Number(values.apps);
const tickMs = Number(values.tick);
const merges = Number(values.merges);
const OLD = '0'.repeat(39).concat('1');
const unusedRepoCache: RepoCache = {
  sync: () => Promise.reject(new Error('the bench injects its plan: no git')),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** One merge of `apps` sync targets through one deliver worker at `concurrency`; returns seconds. */
async function syncThroughput(concurrency: number, mergeSha: string): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'mergeplane-bench-'));
  const github = await startFakeGitHub({ appId: APP_ID, privateKey: generateAppKey(), gitRoot: scratch });
  const kube = await startFakeKubeServer();
  const argo = startArgoCdController({ kube, tickMs });
  const scope = createRedisScope();
  const names = Array.from({ length: apps }, (_, i) => `app-${String(i).padStart(3, '0')}`);
  for (const name of names) {
    kube.store.create(
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name, namespace: 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: 'https://github.com/mergeplane/bench.git', path: name, targetRevision: 'main' },
          destination: { server: 'https://kubernetes.default.svc', namespace: name },
        },
        status: { sync: { status: 'Synced', revision: OLD }, health: { status: 'Healthy' } },
      },
      { keepStatus: true },
    );
  }
  const plan: DeliveryPlan = {
    mergeSha,
    before: OLD,
    notes: [],
    options: { timeoutMs: 120_000, degradedGraceMs: 0, prune: false, argocdNamespace: 'argocd' },
    stages: [
      {
        kind: 'apps',
        wave: 0,
        targets: names.map((name) => ({
          type: 'sync' as const,
          key: syncTargetKey({ namespace: 'argocd', name }),
          app: { namespace: 'argocd', name },
          observeOnly: false,
          wave: 0,
          reason: 'changed' as const,
        })),
      },
    ],
  };
  const octokit = new Octokit({ auth: github.token, baseUrl: `${github.origin}/api/v3` });
  const queue = createDeliverQueue({ connection: redisUrl, prefix: scope.prefix });
  const worker = createDeliverWorker({
    connection: redisUrl,
    prefix: scope.prefix,
    concurrency,
    deps: {
      octokitFor: async () => octokit,
      tokenFor: async () => github.token,
      repoCache: unusedRepoCache,
      kube: createKubeDelivery({ kubeConfig: kube.kubeConfig() }),
      planner: async () => plan,
    },
  });
  try {
    await Promise.all([worker.plannerWorker.waitUntilReady(), worker.targetWorker.waitUntilReady()]);
    const done = new Promise<void>((resolve) => {
      github.on('request', () => {
        const last = github.statuses.filter((s) => s.context === DEPLOY_STATUS_CONTEXT).at(-1);
        if (last && last.state !== 'pending') resolve();
      });
    });
    const started = performance.now();
    await queue.enqueueMerge({
      deliveryId: 'bench',
      installationId: 1,
      owner: OWNER,
      repo: REPO,
      before: OLD,
      after: mergeSha,
      trigger: 'push',
    });
    await done;
    const seconds = (performance.now() - started) / 1000;
    const deploy = github.statuses.filter((s) => s.context === DEPLOY_STATUS_CONTEXT).at(-1);
    const synced = argo.operations.filter((o) => o.revision === mergeSha).length;
    if (deploy?.state !== 'success' || synced !== apps)
      throw new Error(`delivery did not succeed: ${deploy?.description}; ${synced} syncs`);
    return seconds;
  } finally {
    await worker.close();
    await queue.close();
    await scope.cleanup();
    await argo.stop();
    await kube.close();
    await github.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Webhook → first status of `merges` sequential merges of the demo repository through the started server. */
async function webhookToFirstStatus(): Promise<number[]> {
  const repo = createE2ERepo();
  repo.setMain(repo.head);
  const e2e = await startDeliveryE2E({ repo, main: repo.head, tickMs: 5 });
  const timings: number[] = [];
  try {
    let main = repo.head;
    for (let i = 0; i < merges; i += 1) {
      const sha = repo.commit(main, podinfoTag(repo, main, `6.8.${i}`), `podinfo 6.8.${i}`);
      const first = new Promise<number>((resolve) => {
        const listener = () => {
          if (e2e.statuses(sha).length === 0) return;
          e2e.github.off('request', listener);
          resolve(performance.now());
        };
        e2e.github.on('request', listener);
      });
      const sent = performance.now();
      await e2e.merge({ before: main, after: sha });
      timings.push((await first) - sent);
      await e2e.waitFinal(sha, [DEPLOY_STATUS_CONTEXT], 60_000);
      if (e2e.statuses(sha, DEPLOY_STATUS_CONTEXT).at(-1)?.state !== 'success')
        throw new Error(`merge ${i} was not delivered`);
      main = sha;
    }
    return timings;
  } finally {
    await e2e.close();
    repo.cleanup();
  }
}

const sha = (n: number) => n.toString(16).padStart(40, 'a');
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const lines = [
  `post-merge delivery on loopback, Node ${process.version}; fake API server + simulated Argo CD (tick ${tickMs} ms), real Redis`,
];
for (const [label, concurrency] of [
  ['concurrency 1', 1],
  [`default concurrency (${DEFAULT_WORKER_CONCURRENCY})`, DEFAULT_WORKER_CONCURRENCY],
] as const) {
  await syncThroughput(concurrency, sha(concurrency * 1000)); // warm-up (connections, discovery, JIT)
  const seconds = await syncThroughput(concurrency, sha(concurrency * 1000 + 1));
  lines.push(
    `  1 worker, ${label}: ${apps} sync jobs in ${fmt(seconds, 2)} s = ${fmt(apps / seconds)} syncs/s per worker`,
  );
}
const timings = await webhookToFirstStatus();
const sorted = [...timings].sort((a, b) => a - b);
lines.push(
  `  merge webhook (push) -> first commit status, ${merges} sequential demo merges (git fetch + planning included):`,
  `    p50 ${fmt(percentile(sorted, 50), 0)} ms   p90 ${fmt(percentile(sorted, 90), 0)} ms   max ${fmt(sorted.at(-1) ?? Number.NaN, 0)} ms`,
  '',
);
process.stdout.write(lines.join('\n'));
