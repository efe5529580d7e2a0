import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STATUS_CONTEXT } from '../../src/model/delivery-plan.ts';
import { DELIVER_QUEUE_NAME } from '../../src/queue/deliver-job.ts';
import { createDeliverWorkerFactory } from '../../src/server/deliver-worker-factory.ts';
import { assertRedisReachable } from '../queue/redis-test-env.ts';
import { closedPort } from '../server/server-test-env.ts';
import { waitForRedis } from '../support/redis-cluster.ts';
import { type DeliveryE2E, E2E_TUNING, startDeliveryE2E } from './delivery-e2e-env.ts';
import { podinfoTag } from './demo-changes.ts';
import { isSyncedAt } from './e2e-cluster.ts';
import { createE2ERepo, type E2ERepo } from './e2e-repo.ts';

const PODINFO = 'mergeplane/sync: podinfo-production';

/** A redis-server of our own, with append-only persistence, restartable on the same port and data. */
function redisServer(port: number, dir: string) {
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const ping = () => waitForRedis(port);
  return {
    url,
    async start(): Promise<void> {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''],
        { stdio: 'ignore' },
      );
      await ping();
    },
    /** SHUTDOWN (which fsyncs the append-only file), then wait for the process to exit. */
    async stop(): Promise<void> {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: null });
      client.on('error', () => undefined);
      await client.call('SHUTDOWN').catch(() => undefined);
      client.disconnect();
      await exited;
    },
    kill(): void {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

describe('Redis restarting while a delivery waits, end to end', () => {
  let repo: E2ERepo;
  let e2e: DeliveryE2E;
  let redisDir: string;
  let redis: ReturnType<typeof redisServer>;

  beforeAll(async () => {
    // The shared Redis still holds the scope's cleanup; the queue itself lives on the Redis started here.
    await assertRedisReachable();
    repo = createE2ERepo();
    redisDir = mkdtempSync(join(tmpdir(), 'mergeplane-redis-'));
    redis = redisServer(await closedPort(), redisDir);
    await redis.start();
    repo.setMain(repo.head);
    // Webhooks only: the merge waits in the queue while no delivery worker runs.
    e2e = await startDeliveryE2E({ repo, main: repo.head, workers: [], redisUrl: redis.url });
  });

  afterAll(async () => {
    await e2e?.close();
    redis?.kill();
    repo?.cleanup();
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  });

  it('keeps the queued merge through the restart and delivers it once a worker starts', async () => {
    const sha = repo.commit(repo.head, podinfoTag(repo, repo.head, '6.7.2'), 'podinfo 6.7.2');
    await e2e.merge({ before: repo.head, after: sha });
    // Counted through a connection of our own: the server's webhook-path clients fail fast while Redis is away.
    const waiting = async () => {
      const queue = new Queue(DELIVER_QUEUE_NAME, { connection: { url: redis.url }, prefix: e2e.prefix });
      try {
        return await queue.getWaiting();
      } finally {
        await queue.close();
      }
    };
    const before = await waiting();
    expect(before.map((job) => job.name)).toEqual(['deliver']);

    await redis.stop();
    await redis.start();
    const after = await waiting();
    expect(after.map((job) => [job.id, job.data])).toEqual(before.map((job) => [job.id, job.data]));

    await e2e.startWorkers([createDeliverWorkerFactory(E2E_TUNING)]);
    await e2e.waitFinal(sha, [PODINFO, DEPLOY_STATUS_CONTEXT]);
    expect(e2e.states(sha, PODINFO).filter((s) => s !== 'pending')).toEqual(['success']);
    expect(e2e.states(sha, DEPLOY_STATUS_CONTEXT).filter((s) => s !== 'pending')).toEqual(['success']);
    expect(isSyncedAt(e2e.cluster.application('podinfo-production'), sha)).toBe(true);
    e2e.github.assertRequestsMatchOpenApi();
    expect(e2e.cluster.denied).toEqual([]);
  });
});
