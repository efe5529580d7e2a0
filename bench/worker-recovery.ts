// How long a plan job waits after its worker is killed with SIGKILL before another worker runs it again:
// BullMQ's lock must lapse and a stalled-job check must see it. Measured with the shipped defaults and with
// BullMQ's own (lock 30 s, stalled interval 30 s), the figures issue #10 started from.
//   node bench/worker-recovery.ts
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planJobId } from '../src/queue/plan-job.ts';
import { createPlanQueue } from '../src/queue/plan-queue.ts';
import { resolveTool } from '../src/render/resolve-tool.ts';
import { DEFAULT_REDIS_URL } from '../src/server/server-env.ts';
import {
  APP_ID,
  createDemoGitHubRepo,
  demoPull,
  demoServerVariables,
  generateAppKey,
  OWNER,
  REPO,
} from '../test/server/server-test-env.ts';
import { startFakeGitHub } from '../test/support/fake-github-server.ts';

const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const privateKey = generateAppKey();
const bin = new URL('../bin/mergeplane.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** helm that answers `version` but hangs on `template`: the job is mid-plan when its worker is killed. */
function slowHelm(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mergeplane-slow-helm-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 'helm');
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$1" = version ]; then exec ${resolveTool('helm')} "$@"; fi\nsleep 600\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

async function measure(label: string, tuning: Record<string, string>): Promise<string> {
  const repo = createDemoGitHubRepo();
  const fake = await startFakeGitHub({
    appId: APP_ID,
    privateKey,
    gitRoot: repo.gitRoot,
    pulls: demoPull(repo),
  });
  const prefix = `mp-bench-${randomBytes(6).toString('hex')}`;
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...demoServerVariables({ fake, repo, privateKey, redisUrl }),
    MERGEPLANE_QUEUE_PREFIX: prefix,
    MERGEPLANE_DELIVERY: 'off',
    MERGEPLANE_HELM: slowHelm(),
    LOG_LEVEL: 'warn' as const,
    ...tuning,
  };
  const worker = () =>
    spawn(process.execPath, [bin, 'worker', '--no-http'], { env, stdio: 'ignore', detached: true });
  const queue = createPlanQueue({ connection: redisUrl, prefix });
  const data = {
    deliveryId: 'bench',
    installationId: 1,
    owner: OWNER,
    repo: REPO,
    pullNumber: 1,
    headSha: repo.demo.head,
    baseRef: 'main',
    headRef: 'demo-change',
    trigger: 'pull_request' as const,
  };
  const first = worker();
  const second = { child: undefined as ReturnType<typeof worker> | undefined };
  try {
    await queue.enqueue(data);
    const jobId = planJobId(data);
    // Mid-plan: active, and long enough for the clone and the first renders to have started.
    for (let i = 0; i < 600 && (await queue.queue.getJobState(jobId)) !== 'active'; i++) await sleep(100);
    await sleep(3_000);
    process.kill(-first.pid!, 'SIGKILL');
    const killedAt = Date.now();
    second.child = worker();
    for (let i = 0; i < 2_000; i++) {
      const job = await queue.queue.getJob(jobId);
      if ((job?.processedOn ?? 0) > killedAt) {
        return `${label.padEnd(34)} restarted ${((job!.processedOn! - killedAt) / 1000).toFixed(1)} s after kill -9`;
      }
      await sleep(100);
    }
    return `${label.padEnd(34)} not restarted within 200 s`;
  } finally {
    for (const child of [first, second.child]) {
      try {
        if (child?.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await fake.close();
    repo.cleanup();
  }
}

const lines = [
  await measure('BullMQ defaults (lock 30 s, check 30 s)', {
    MERGEPLANE_LOCK_DURATION_MS: '30000',
    MERGEPLANE_STALLED_INTERVAL_MS: '30000',
  }),
  await measure('Mergeplane defaults', {}),
];
console.log(`Worker recovery after kill -9 — node ${process.version}\n${lines.join('\n')}`);
process.exit(0);
